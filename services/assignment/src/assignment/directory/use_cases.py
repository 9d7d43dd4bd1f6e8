"""What the directory does: name the workspace; create, list, read and change teamspaces, teams
and users. Reads need a user of the workspace; changes need the settings permission."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from livechat_shared.auth import Principal
from livechat_shared.ids import new_id, utcnow

from ..core.models import Slice, Team, Teamspace, User, Workspace
from ..errors import Forbidden, TeamNotFound, UnknownTeam, UnknownTeamspace, UserNotFound, WorkspaceNotFound
from .rules import all_teams_found, may_change_directory
from .schemas import TeamCreate, TeamspaceCreate, TeamUpdate, UserCreate, UserUpdate, WorkspaceUpdate

E = TypeVar("E")


class WorkspaceStore(Protocol):
    async def put(self, workspace_id: str, name: str) -> Workspace: ...
    async def get(self, workspace_id: str) -> Workspace | None: ...


class ScopedStore(Protocol[E]):
    """Entities of one kind, each in one workspace."""

    async def add(self, item: E) -> None: ...
    async def get(self, workspace_id: str, item_id: str) -> E | None: ...
    async def page(self, workspace_id: str, skip: int, limit: int) -> Slice[E]: ...


class TeamStore(ScopedStore[Team], Protocol):
    async def update(self, workspace_id: str, item_id: str, changes: Mapping[str, Any]) -> Team | None: ...
    async def count(self, workspace_id: str, ids: list[str]) -> int: ...


class UserStore(ScopedStore[User], Protocol):
    async def add(self, item: User) -> None:
        """Store a new user; raises EmailTaken when the workspace has one with that email."""

    async def update(self, workspace_id: str, item_id: str, changes: Mapping[str, Any]) -> User | None: ...


def _require_settings(actor: Principal) -> None:
    if not may_change_directory(actor):
        raise Forbidden()


@dataclass(frozen=True)
class DirectoryUseCases:
    workspaces: WorkspaceStore
    teamspaces: ScopedStore[Teamspace]
    teams: TeamStore
    users: UserStore

    # --- the workspace ----------------------------------------------------------------------

    async def name_workspace(self, actor: Principal, body: WorkspaceUpdate) -> Workspace:
        _require_settings(actor)
        return await self.workspaces.put(actor.workspace_id, body.name)

    async def workspace(self, actor: Principal) -> Workspace:
        found = await self.workspaces.get(actor.workspace_id)
        if found is None:
            raise WorkspaceNotFound()
        return found

    # --- teamspaces -------------------------------------------------------------------------

    async def create_teamspace(self, actor: Principal, body: TeamspaceCreate) -> Teamspace:
        _require_settings(actor)
        teamspace = Teamspace(
            id=new_id(), workspace_id=actor.workspace_id, name=body.name, created_at=utcnow()
        )
        await self.teamspaces.add(teamspace)
        return teamspace

    async def list_teamspaces(self, actor: Principal, skip: int, limit: int) -> Slice[Teamspace]:
        return await self.teamspaces.page(actor.workspace_id, skip, limit)

    # --- teams ------------------------------------------------------------------------------

    async def create_team(self, actor: Principal, body: TeamCreate) -> Team:
        _require_settings(actor)
        if await self.teamspaces.get(actor.workspace_id, body.teamspace_id) is None:
            raise UnknownTeamspace()
        team = Team(
            id=new_id(),
            workspace_id=actor.workspace_id,
            teamspace_id=body.teamspace_id,
            name=body.name,
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
        _require_settings(actor)
        updated = await self.teams.update(actor.workspace_id, team_id, body.changes())
        if updated is None:
            raise TeamNotFound()
        return updated

    # --- users ------------------------------------------------------------------------------

    async def create_user(self, actor: Principal, body: UserCreate) -> User:
        _require_settings(actor)
        await self._check_teams(actor.workspace_id, body.team_ids)
        user = User(
            id=new_id(),
            workspace_id=actor.workspace_id,
            name=body.name,
            email=body.email.lower(),
            role=body.role,
            team_ids=body.team_ids,
            languages=body.languages,
            max_chats=body.max_chats,
            created_at=utcnow(),
        )
        await self.users.add(user)
        return user

    async def list_users(self, actor: Principal, skip: int, limit: int) -> Slice[User]:
        return await self.users.page(actor.workspace_id, skip, limit)

    async def user(self, actor: Principal, user_id: str) -> User:
        found = await self.users.get(actor.workspace_id, user_id)
        if found is None:
            raise UserNotFound()
        return found

    async def update_user(self, actor: Principal, user_id: str, body: UserUpdate) -> User:
        _require_settings(actor)
        changes = body.changes()
        await self._check_teams(actor.workspace_id, changes.get("team_ids"))
        updated = await self.users.update(actor.workspace_id, user_id, changes)
        if updated is None:
            raise UserNotFound()
        return updated

    async def _check_teams(self, workspace_id: str, team_ids: list[str] | None) -> None:
        if team_ids and not all_teams_found(team_ids, await self.teams.count(workspace_id, team_ids)):
            raise UnknownTeam()
