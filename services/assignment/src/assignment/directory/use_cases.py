"""What the directory does: rename the workspace; create, list, read and change teamspaces, teams
and users; and the operator's calls (create a workspace with its first admin, look a user up).

Reads need a user of the workspace; changes need an admin (``rules.may_change_directory``). Every
create or change of a user commits with its ``assignment.user.changed.v1`` event in one transaction
(the outbox), so the copies of the directory in the other services never miss one; at start-up
:meth:`DirectoryUseCases.republish_users` announces every user again, for a copy that is new or lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from livechat_shared.auth import Permission, Principal, Role
from livechat_shared.contracts import Envelope, UserChangedV1
from livechat_shared.ids import new_id, utcnow
from livechat_shared.ratelimit import Limit
from livechat_shared.writer import Change, RaceLost, Session, Writer

from ..core.models import NewWorkspace, Slice, Team, Teamspace, User, Workspace
from ..errors import (
    BeyondOwnHolding,
    Forbidden,
    InvalidOperatorKey,
    LastAdmin,
    OperatorCallsDisabled,
    TeamNotFound,
    UnknownTeam,
    UnknownTeamspace,
    UserNotFound,
    WorkspaceNotFound,
)
from .rules import (
    all_teams_found,
    may_change_directory,
    may_change_user,
    operator_key_matches,
    removes_an_admin,
    removes_last_admin,
    sees_full_user,
)
from .schemas import (
    Me,
    TeamCreate,
    TeamspaceCreate,
    TeamUpdate,
    UserCard,
    UserCreate,
    UserOut,
    UserUpdate,
    UserView,
    WorkspaceCreate,
    WorkspaceUpdate,
)

E = TypeVar("E")

REPUBLISH_BATCH = 200
"""Users announced per transaction when the directory is announced again at start-up."""


class WorkspaceStore(Protocol):
    async def add(self, workspace: Workspace, session: Session | None = None) -> None: ...
    async def rename(self, workspace_id: str, name: str) -> Workspace | None: ...
    async def get(self, workspace_id: str) -> Workspace | None: ...
    async def hold(self, workspace_id: str, session: Session | None) -> None:
        """Make concurrent transactions that hold the same workspace conflict (one runs again)."""


class ScopedStore(Protocol[E]):
    """Entities of one kind, each in one workspace."""

    async def add(self, item: E, session: Session | None = None) -> None: ...
    async def get(self, workspace_id: str, item_id: str, session: Session | None = None) -> E | None: ...
    async def page(self, workspace_id: str, skip: int, limit: int) -> Slice[E]: ...


class TeamStore(ScopedStore[Team], Protocol):
    async def update(
        self, workspace_id: str, item_id: str, changes: Mapping[str, Any], session: Session | None = None
    ) -> Team | None: ...
    async def count(self, workspace_id: str, ids: list[str]) -> int: ...
    async def grants_by_team(
        self, team_ids: Sequence[str], session: Session | None = None
    ) -> dict[str, set[str]]:
        """Each team's team-level grants."""


class UserStore(ScopedStore[User], Protocol):
    async def add(self, item: User, session: Session | None = None) -> None:
        """Store a new user; raises EmailTaken when the workspace has one with that email."""

    async def save(self, user: User, expected_version: int, session: Session | None = None) -> bool:
        """Store ``user`` if the stored one is still at ``expected_version``; False if it is not."""

    async def count_active_admins(self, workspace_id: str, session: Session | None = None) -> int: ...
    async def after(self, last_id: str | None, limit: int) -> list[User]: ...
    async def members(
        self, workspace_id: str, team_id: str, session: Session | None = None
    ) -> list[User]: ...


class Limiter(Protocol):
    async def hit(self, key: str, limit: Limit) -> None:
        """Count one hit of ``key``; raises RateLimited past the limit."""


def user_changed(user: User, teams: Mapping[str, set[str]] | None = None) -> Envelope:
    """The event announcing ``user`` as it now is, with the grants of their teams (``teams``: team
    id → its grants) among theirs."""
    team_grants = {Permission(g) for t in user.team_ids for g in (teams or {}).get(t, set())}
    return Envelope.wrap(UserChangedV1(user=user.snapshot(team_grants)), workspace_id=user.workspace_id)


def shown(viewer: Principal, user: User) -> UserView:
    """``user`` as ``viewer`` may see them: in full for an admin, the card for anyone else."""
    return UserOut.model_validate(user) if sees_full_user(viewer) else UserCard.model_validate(user)


def _require_admin(actor: Principal) -> None:
    if not may_change_directory(actor):
        raise Forbidden()


@dataclass(frozen=True)
class DirectoryUseCases:
    workspaces: WorkspaceStore
    teamspaces: ScopedStore[Teamspace]
    teams: TeamStore
    users: UserStore
    writer: Writer

    # --- the workspace ----------------------------------------------------------------------

    async def rename_workspace(self, actor: Principal, body: WorkspaceUpdate) -> Workspace:
        """Rename the caller's workspace; a workspace is never created here (that is the operator's)."""
        _require_admin(actor)
        renamed = await self.workspaces.rename(actor.workspace_id, body.name)
        if renamed is None:
            raise WorkspaceNotFound()
        return renamed

    async def workspace(self, actor: Principal) -> Workspace:
        found = await self.workspaces.get(actor.workspace_id)
        if found is None:
            raise WorkspaceNotFound()
        return found

    # --- teamspaces -------------------------------------------------------------------------

    async def create_teamspace(self, actor: Principal, body: TeamspaceCreate) -> Teamspace:
        _require_admin(actor)
        teamspace = Teamspace(
            id=new_id(), workspace_id=actor.workspace_id, name=body.name, created_at=utcnow()
        )
        await self.teamspaces.add(teamspace)
        return teamspace

    async def list_teamspaces(self, actor: Principal, skip: int, limit: int) -> Slice[Teamspace]:
        return await self.teamspaces.page(actor.workspace_id, skip, limit)

    # --- teams ------------------------------------------------------------------------------

    async def create_team(self, actor: Principal, body: TeamCreate) -> Team:
        _require_admin(actor)
        if await self.teamspaces.get(actor.workspace_id, body.teamspace_id) is None:
            raise UnknownTeamspace()
        team = Team(
            id=new_id(),
            workspace_id=actor.workspace_id,
            teamspace_id=body.teamspace_id,
            name=body.name,
            grants=body.grants,
            created_at=utcnow(),
        )
        await self.teams.add(team)
        return team

    async def list_teams(self, actor: Principal, skip: int, limit: int) -> Slice[Team]:
        return await self.teams.page(actor.workspace_id, skip, limit)

    async def team(self, actor: Principal, team_id: str) -> Team:
        found = await self.teams.get(actor.workspace_id, team_id)
        if found is None:
            raise TeamNotFound()
        return found

    async def update_team(self, actor: Principal, team_id: str, body: TeamUpdate) -> Team:
        """Rename a team or change its team-level grants. A change of grants changes what every
        member may do: each member's version grows and is announced, in the same transaction, so
        it takes effect on their next request everywhere. (Members are changed on the users,
        ``team_ids``: a user change.)"""
        _require_admin(actor)
        changes = body.changes()

        async def work(session: Session) -> Change[Team]:
            before = await self.teams.get(actor.workspace_id, team_id, session)
            if before is None:
                raise TeamNotFound()
            updated = await self.teams.update(actor.workspace_id, team_id, changes, session)
            if updated is None:
                raise TeamNotFound()
            if set(updated.grants) == set(before.grants):
                return Change(updated)
            events = []
            for member in await self.users.members(actor.workspace_id, team_id, session):
                bumped = member.model_copy(update={"version": member.version + 1, "updated_at": utcnow()})
                if not await self.users.save(bumped, member.version, session):
                    raise RaceLost()
                teams = await self.teams.grants_by_team(bumped.team_ids, session)
                events.append(user_changed(bumped, teams))
            return Change(updated, events)

        return await self.writer.write(work)

    # --- users ------------------------------------------------------------------------------

    async def create_user(self, actor: Principal, body: UserCreate) -> User:
        _require_admin(actor)
        user = User(
            id=new_id(),
            workspace_id=actor.workspace_id,
            name=body.name,
            email=body.email.lower(),
            role=body.role,
            team_ids=body.team_ids,
            grants=body.grants,
            languages=body.languages,
            max_chats=body.max_chats,
            created_at=utcnow(),
        )
        if not may_change_user(actor, None, user):
            raise BeyondOwnHolding()
        await self._check_teams(actor.workspace_id, body.team_ids)

        async def work(session: Session) -> Change[User]:
            await self.users.add(user, session)
            teams = await self.teams.grants_by_team(user.team_ids, session)
            return Change(user, [user_changed(user, teams)])

        return await self.writer.write(work)

    async def list_users(self, actor: Principal, skip: int, limit: int) -> Slice[UserView]:
        found = await self.users.page(actor.workspace_id, skip, limit)
        return Slice([shown(actor, u) for u in found.items], found.total)

    async def user(self, actor: Principal, user_id: str) -> UserView:
        found = await self.users.get(actor.workspace_id, user_id)
        if found is None:
            raise UserNotFound()
        return shown(actor, found)

    async def me(self, actor: Principal) -> Me:
        """The caller in full (whatever their role: it is themselves) and their permissions."""
        found = await self.users.get(actor.workspace_id, actor.user_id)
        if found is None:
            raise UserNotFound()
        return Me(user=UserOut.model_validate(found), permissions=sorted(actor.permissions))

    async def update_user(self, actor: Principal, user_id: str, body: UserUpdate) -> User:
        """Change a user (role, grants, teams, activation, ...): version + 1 and one event. A change
        that changes nothing stores and announces nothing."""
        _require_admin(actor)
        changes = body.changes()
        await self._check_teams(actor.workspace_id, changes.get("team_ids"))

        async def work(session: Session) -> Change[User]:
            before = await self.users.get(actor.workspace_id, user_id, session)
            if before is None:
                raise UserNotFound()
            after = User.model_validate({**before.model_dump(), **changes})
            if after == before:
                return Change(before)
            if not may_change_user(actor, before, after):
                raise BeyondOwnHolding()
            if removes_an_admin(before, after):
                await self.workspaces.hold(actor.workspace_id, session)
                admins = await self.users.count_active_admins(actor.workspace_id, session)
                if removes_last_admin(before, after, admins):
                    raise LastAdmin()
            after = after.model_copy(update={"version": before.version + 1, "updated_at": utcnow()})
            if not await self.users.save(after, before.version, session):
                raise RaceLost()
            teams = await self.teams.grants_by_team(after.team_ids, session)
            return Change(after, [user_changed(after, teams)])

        return await self.writer.write(work)

    async def republish_users(self, batch: int = REPUBLISH_BATCH) -> int:
        """Announce every user of every workspace again, as they are now; returns how many.

        Run at start-up, so a copy of the directory that is new (a service added) or was lost
        catches up. Harmless for the copies: each keeps the newest version it has seen, so an older
        snapshot, or the same one twice, changes nothing. Several replicas starting together each
        announce everything once."""
        announced, last_id = 0, None
        while users := await self.users.after(last_id, batch):
            teams = await self.teams.grants_by_team([t for u in users for t in u.team_ids])
            events = [user_changed(u, teams) for u in users]

            async def work(_session: Session, events: list[Envelope] = events) -> Change[None]:
                return Change(None, events)

            await self.writer.write(work)
            announced += len(users)
            last_id = users[-1].id
        return announced

    async def _check_teams(self, workspace_id: str, team_ids: list[str] | None) -> None:
        if team_ids and not all_teams_found(team_ids, await self.teams.count(workspace_id, team_ids)):
            raise UnknownTeam()


@dataclass(frozen=True)
class OperatorUseCases:
    """What the operator of the installation does with ``X-Operator-Key``: create a workspace and
    its first admin, and look a user up (for ``livechat token``)."""

    operator_key: str
    """Empty: the operator's calls are disabled (they answer 404)."""
    auth_failures: Limit
    limiter: Limiter
    workspaces: WorkspaceStore
    users: UserStore
    writer: Writer

    async def admit(self, sent_key: str | None, address: str) -> None:
        """Let the call through only with the operator's key. A wrong or missing key is counted per
        client ``address`` (RateLimited past the limit) and refused."""
        if not self.operator_key:
            raise OperatorCallsDisabled()
        if not operator_key_matches(self.operator_key, sent_key):
            await self.limiter.hit(address, self.auth_failures)
            raise InvalidOperatorKey()

    async def create_workspace(self, body: WorkspaceCreate) -> NewWorkspace:
        now = utcnow()
        workspace = Workspace(id=new_id(), name=body.name, created_at=now, updated_at=now)
        admin = User(
            id=new_id(),
            workspace_id=workspace.id,
            name=body.admin.name,
            email=body.admin.email.lower(),
            role=Role.ADMIN,
            created_at=now,
        )

        async def work(session: Session) -> Change[NewWorkspace]:
            await self.workspaces.add(workspace, session)
            await self.users.add(admin, session)
            return Change(NewWorkspace(workspace, admin), [user_changed(admin)])

        return await self.writer.write(work)

    async def user(self, workspace_id: str, user_id: str) -> User:
        found = await self.users.get(workspace_id, user_id)
        if found is None:
            raise UserNotFound()
        return found
