"""The directory's use cases against in-memory repositories (fixtures in ``unit/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from assignment.core.models import Team, Teamspace, User
from assignment.directory.schemas import (
    AdminCreate,
    TeamCreate,
    TeamspaceCreate,
    TeamUpdate,
    UserCard,
    UserCreate,
    UserOut,
    UserUpdate,
    WorkspaceCreate,
    WorkspaceUpdate,
)
from assignment.directory.use_cases import DirectoryUseCases, OperatorUseCases
from assignment.errors import (
    EmailTaken,
    Forbidden,
    InvalidOperatorKey,
    LastAdmin,
    OperatorCallsDisabled,
    TeamNotFound,
    UnknownTeam,
    UnknownTeamspace,
    UserNotFound,
    WorkspaceNotFound,
    WriteConflict,
)
from livechat_shared.auth import Permission, Principal, Role
from livechat_shared.contracts import DirectoryUser, UserChangedV1
from livechat_shared.errors import RateLimited
from livechat_shared.ids import utcnow
from livechat_shared.ratelimit import Limit

NOW = utcnow()


async def a_teamspace(directory: DirectoryUseCases, actor: Principal) -> Teamspace:
    return await directory.create_teamspace(actor, TeamspaceCreate(name="Europe"))


async def a_team(directory: DirectoryUseCases, actor: Principal, name: str = "Billing") -> Team:
    teamspace = await a_teamspace(directory, actor)
    return await directory.create_team(actor, TeamCreate(teamspace_id=teamspace.id, name=name))


def jonas(**changes: Any) -> UserCreate:
    return UserCreate(**{"name": "Jonas", "email": "jonas@acme.example", **changes})


def announced(outbox: Any) -> list[DirectoryUser]:
    """The user snapshots announced so far, in order."""
    assert all(e.routing_key == "assignment.user.changed.v1" for e in outbox.events)
    return [e.open(UserChangedV1).user for e in outbox.events]


# --- the workspace ----------------------------------------------------------------------------


async def test_rename_the_workspace(directory: DirectoryUseCases, admin: Principal) -> None:
    before = await directory.workspace(admin)
    renamed = await directory.rename_workspace(admin, WorkspaceUpdate(name="Acme GmbH"))
    assert (renamed.id, renamed.name, renamed.created_at) == ("W1", "Acme GmbH", before.created_at)
    assert (await directory.workspace(admin)).name == "Acme GmbH"


async def test_a_workspace_that_does_not_exist_is_never_created(
    directory: DirectoryUseCases, workspaces: Any
) -> None:
    nowhere = Principal(user_id="u-admin", workspace_id="W-NONE", role=Role.ADMIN)
    with pytest.raises(WorkspaceNotFound):
        await directory.rename_workspace(nowhere, WorkspaceUpdate(name="Mine"))
    with pytest.raises(WorkspaceNotFound):
        await directory.workspace(nowhere)
    assert set(workspaces.items) == {"W1", "W2"}


# --- permissions ------------------------------------------------------------------------------


async def test_an_agent_reads_the_directory(
    directory: DirectoryUseCases, admin: Principal, agent: Principal
) -> None:
    team = await a_team(directory, admin)
    assert (await directory.team(agent, team.id)).name == "Billing"
    assert (await directory.list_teams(agent, 0, 50)).total == 1


CHANGES = {
    "rename the workspace": lambda d, u: d.rename_workspace(u, WorkspaceUpdate(name="Mine")),
    "create a teamspace": lambda d, u: d.create_teamspace(u, TeamspaceCreate(name="Europe")),
    "create a team": lambda d, u: d.create_team(u, TeamCreate(teamspace_id="ts", name="Billing")),
    "change a team": lambda d, u: d.update_team(u, "t", TeamUpdate(name="Sales")),
    "create a user": lambda d, u: d.create_user(u, jonas()),
    "create an admin": lambda d, u: d.create_user(u, jonas(role=Role.ADMIN)),
    "promote oneself": lambda d, u: d.update_user(u, u.user_id, UserUpdate(role=Role.ADMIN)),
    "grant oneself": lambda d, u: d.update_user(u, u.user_id, UserUpdate(grants=[Permission.SETTINGS])),
    "demote the admin": lambda d, u: d.update_user(u, "u-admin", UserUpdate(role=Role.AGENT)),
    "deactivate the admin": lambda d, u: d.update_user(u, "u-admin", UserUpdate(active=False)),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
@pytest.mark.parametrize("who", ["supervisor", "agent"])
async def test_only_an_admin_changes_the_directory(
    change: Any,
    who: str,
    directory: DirectoryUseCases,
    users: Any,
    outbox: Any,
    request: pytest.FixtureRequest,
) -> None:
    actor: Principal = request.getfixturevalue(who)
    admin_user = User(
        id="u-admin", workspace_id="W1", name="A", email="a@acme.example", role=Role.ADMIN, created_at=NOW
    )
    me = User(
        id=actor.user_id, workspace_id="W1", name="M", email="m@acme.example", role=actor.role, created_at=NOW
    )
    users.items = {"u-admin": admin_user, me.id: me}
    workspaces: Any = request.getfixturevalue("workspaces")
    stored = dict(workspaces.items)
    with pytest.raises(Forbidden):
        await change(directory, actor)
    assert users.items == {"u-admin": admin_user, me.id: me}
    assert workspaces.items == stored
    for store in ("teamspaces", "teams"):
        assert request.getfixturevalue(store).items == {}
    assert outbox.events == []


# --- teams ------------------------------------------------------------------------------------


async def test_a_team_needs_a_teamspace_of_the_workspace(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal, teams: Any
) -> None:
    with pytest.raises(UnknownTeamspace):
        await directory.create_team(admin, TeamCreate(teamspace_id="nope", name="Billing"))
    theirs = await a_teamspace(directory, stranger)
    with pytest.raises(UnknownTeamspace):
        await directory.create_team(admin, TeamCreate(teamspace_id=theirs.id, name="Billing"))
    assert teams.items == {}


async def test_create_read_and_change_a_team(directory: DirectoryUseCases, admin: Principal) -> None:
    team = await a_team(directory, admin)
    assert (team.workspace_id, team.name, team.updated_at) == ("W1", "Billing", None)
    assert await directory.team(admin, team.id) == team
    renamed = await directory.update_team(admin, team.id, TeamUpdate(name="Sales"))
    assert (renamed.name, renamed.created_at) == ("Sales", team.created_at)
    assert renamed.updated_at is not None
    untouched = await directory.update_team(admin, team.id, TeamUpdate())
    assert untouched.name == "Sales"


async def test_another_workspaces_team_is_not_found(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal, teams: Any
) -> None:
    theirs = await a_team(directory, stranger, name="Theirs")
    with pytest.raises(TeamNotFound):
        await directory.team(admin, theirs.id)
    with pytest.raises(TeamNotFound):
        await directory.update_team(admin, theirs.id, TeamUpdate(name="Mine"))
    assert teams.items[theirs.id].name == "Theirs"
    assert (await directory.list_teams(admin, 0, 50)).total == 0


async def test_lists_are_paged_oldest_first(directory: DirectoryUseCases, admin: Principal) -> None:
    made = [await directory.create_teamspace(admin, TeamspaceCreate(name=f"ts{i}")) for i in range(5)]
    page = await directory.list_teamspaces(admin, 2, 2)
    assert (list(page.items), page.total) == (made[2:4], 5)


# --- users ------------------------------------------------------------------------------------


async def test_create_a_user_announces_it_at_version_1(
    directory: DirectoryUseCases, admin: Principal, users: Any, outbox: Any
) -> None:
    team = await a_team(directory, admin)
    user = await directory.create_user(
        admin, jonas(email="Jonas@ACME.example", team_ids=[team.id], grants=[Permission.EXPORT])
    )
    assert (user.workspace_id, user.email, user.role, user.team_ids, user.grants, user.active) == (
        "W1",
        "jonas@acme.example",
        Role.AGENT,
        [team.id],
        [Permission.EXPORT],
        True,
    )
    assert user.version == 1
    assert users.items == {user.id: user}
    assert announced(outbox) == [
        DirectoryUser(
            id=user.id,
            workspace_id="W1",
            name="Jonas",
            role="agent",
            team_ids=[team.id],
            grants=["export"],
            active=True,
            version=1,
        )
    ]
    assert outbox.events[0].workspace_id == "W1" and outbox.notified == 1


async def test_a_user_with_an_unknown_team_is_not_stored(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal, users: Any, outbox: Any
) -> None:
    team = await a_team(directory, admin)
    with pytest.raises(UnknownTeam):
        await directory.create_user(admin, jonas(team_ids=[team.id, "NO-SUCH-TEAM"]))
    theirs = await a_team(directory, stranger)
    with pytest.raises(UnknownTeam):
        await directory.create_user(admin, jonas(team_ids=[theirs.id]))
    assert users.items == {}
    assert outbox.events == []


async def test_an_email_is_taken_once_per_workspace(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal, users: Any, outbox: Any
) -> None:
    first = await directory.create_user(admin, jonas())
    with pytest.raises(EmailTaken):
        await directory.create_user(admin, jonas(name="Jonas II", email="JONAS@acme.example"))
    assert list(users.items) == [first.id]
    assert [u.id for u in announced(outbox)] == [first.id]
    await directory.create_user(stranger, jonas())  # another workspace may use it
    assert len(users.items) == 2


USER_CHANGES = {
    "name": UserUpdate(name="Jonas B."),
    "role": UserUpdate(role=Role.SUPERVISOR),
    "grants": UserUpdate(grants=[Permission.EXPORT, Permission.BAN]),
    "deactivate": UserUpdate(active=False),
    "max_chats": UserUpdate(max_chats=None),
    "languages": UserUpdate(languages=["de"]),
    "several": UserUpdate(role=Role.ADMIN, grants=[Permission.BAN], max_chats=1),
}


@pytest.mark.parametrize("body", USER_CHANGES.values(), ids=USER_CHANGES.keys())
async def test_every_change_of_a_user_is_one_event_with_the_next_version(
    body: UserUpdate, directory: DirectoryUseCases, admin: Principal, users: Any, outbox: Any
) -> None:
    user = await directory.create_user(admin, jonas(max_chats=3))
    changed = await directory.update_user(admin, user.id, body)
    assert changed.version == 2 and changed.updated_at is not None
    assert changed.model_dump(include=set(body.changes())) == body.model_dump(exclude_unset=True)
    assert users.items[user.id] == changed
    assert announced(outbox) == [user.snapshot(), changed.snapshot()]
    assert [u.version for u in announced(outbox)] == [1, 2]


async def test_versions_grow_with_each_change_and_teams_are_a_user_change(
    directory: DirectoryUseCases, admin: Principal, outbox: Any
) -> None:
    team = await a_team(directory, admin)
    user = await directory.create_user(admin, jonas())
    await directory.update_user(admin, user.id, UserUpdate(team_ids=[team.id]))
    await directory.update_user(admin, user.id, UserUpdate(active=False))
    last = await directory.update_user(admin, user.id, UserUpdate(active=True, team_ids=[]))
    assert [(u.version, u.team_ids, u.active) for u in announced(outbox)] == [
        (1, [], True),
        (2, [team.id], True),
        (3, [team.id], False),
        (4, [], True),
    ]
    assert last.version == 4


async def test_a_change_that_changes_nothing_announces_nothing(
    directory: DirectoryUseCases, admin: Principal, users: Any, outbox: Any
) -> None:
    user = await directory.create_user(admin, jonas())
    for body in (UserUpdate(), UserUpdate(name="Jonas", role=Role.AGENT, active=True)):
        assert await directory.update_user(admin, user.id, body) == user
    assert users.items[user.id] == user
    assert len(outbox.events) == 1


async def test_a_change_naming_an_unknown_team_changes_nothing(
    directory: DirectoryUseCases, admin: Principal, users: Any, outbox: Any
) -> None:
    user = await directory.create_user(admin, jonas())
    with pytest.raises(UnknownTeam):
        await directory.update_user(admin, user.id, UserUpdate(team_ids=["NO-SUCH-TEAM"], name="X"))
    assert users.items[user.id] == user
    with pytest.raises(UnknownTeam):  # the teams are checked before the user is looked up
        await directory.update_user(admin, "nobody", UserUpdate(team_ids=["NO-SUCH-TEAM"]))
    assert len(outbox.events) == 1


async def test_another_workspaces_user_is_not_found(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal, outbox: Any
) -> None:
    theirs = await directory.create_user(stranger, jonas())
    with pytest.raises(UserNotFound):
        await directory.user(admin, theirs.id)
    with pytest.raises(UserNotFound):
        await directory.update_user(admin, theirs.id, UserUpdate(name="Mine"))
    assert (await directory.user(stranger, theirs.id)).name == "Jonas"
    assert len(outbox.events) == 1


async def test_admins_see_users_in_full_and_others_the_card(
    directory: DirectoryUseCases, admin: Principal, supervisor: Principal, agent: Principal
) -> None:
    user = await directory.create_user(admin, jonas(grants=[Permission.BAN], languages=["de"], max_chats=2))
    full = await directory.user(admin, user.id)
    assert isinstance(full, UserOut)
    assert full == UserOut.model_validate(user)
    card = UserCard(id=user.id, name="Jonas", role=Role.AGENT, team_ids=[], active=True)
    for viewer in (supervisor, agent):
        assert await directory.user(viewer, user.id) == card
        assert list((await directory.list_users(viewer, 0, 50)).items) == [card]
    assert list((await directory.list_users(admin, 0, 50)).items) == [full]


# --- the last admin ---------------------------------------------------------------------------


def seeded_admin(user_id: str = "u-admin", *, active: bool = True) -> User:
    return User(
        id=user_id,
        workspace_id="W1",
        name="Ada",
        email=f"{user_id}@acme.example",
        role=Role.ADMIN,
        active=active,
        created_at=NOW,
    )


@pytest.mark.parametrize(
    "body",
    [UserUpdate(role=Role.AGENT), UserUpdate(role=Role.SUPERVISOR), UserUpdate(active=False)],
    ids=["demote to agent", "demote to supervisor", "deactivate"],
)
async def test_the_last_active_admin_stays(
    body: UserUpdate,
    directory: DirectoryUseCases,
    admin: Principal,
    users: Any,
    workspaces: Any,
    outbox: Any,
) -> None:
    me, gone = seeded_admin(), seeded_admin("u-gone", active=False)
    users.items = {me.id: me, gone.id: gone}  # a deactivated admin does not count
    with pytest.raises(LastAdmin):
        await directory.update_user(admin, me.id, body)
    assert users.items[me.id] == me
    assert outbox.events == []
    assert workspaces.holds == ["W1"]  # the decision was taken holding the workspace


async def test_an_admin_can_go_while_another_remains(
    directory: DirectoryUseCases, admin: Principal, users: Any, outbox: Any
) -> None:
    me, other = seeded_admin(), seeded_admin("u-other-admin")
    users.items = {me.id: me, other.id: other}
    demoted = await directory.update_user(admin, other.id, UserUpdate(role=Role.AGENT))
    assert (demoted.role, demoted.version) == (Role.AGENT, 2)
    with pytest.raises(LastAdmin):
        await directory.update_user(admin, me.id, UserUpdate(active=False))
    assert [u.id for u in announced(outbox)] == [other.id]


async def test_a_lost_race_runs_the_change_again(
    directory: DirectoryUseCases, admin: Principal, users: Any, outbox: Any, monkeypatch: Any
) -> None:
    user = await directory.create_user(admin, jonas())
    real_save, calls = users.save, []

    async def save_after_a_concurrent_change(changed: User, expected: int, session: Any = None) -> bool:
        calls.append(expected)
        if len(calls) == 1:  # another writer changed the user between the read and the write
            users.items[user.id] = users.items[user.id].model_copy(update={"name": "Other", "version": 2})
            return False
        return await real_save(changed, expected, session)

    monkeypatch.setattr(users, "save", save_after_a_concurrent_change)
    changed = await directory.update_user(admin, user.id, UserUpdate(role=Role.SUPERVISOR))
    assert calls == [1, 2]
    assert (changed.name, changed.role, changed.version) == ("Other", Role.SUPERVISOR, 3)
    assert [u.version for u in announced(outbox)] == [1, 3]


async def test_races_lost_again_and_again_are_a_conflict(
    directory: DirectoryUseCases, admin: Principal, users: Any, outbox: Any, monkeypatch: Any
) -> None:
    user = await directory.create_user(admin, jonas())

    async def never(changed: User, expected: int, session: Any = None) -> bool:
        return False

    monkeypatch.setattr(users, "save", never)
    with pytest.raises(WriteConflict):
        await directory.update_user(admin, user.id, UserUpdate(role=Role.SUPERVISOR))
    assert len(outbox.events) == 1


# --- announcing the directory again -----------------------------------------------------------


async def test_republish_announces_every_user_of_every_workspace_as_they_are(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal, outbox: Any
) -> None:
    mine = [await directory.create_user(admin, jonas(email=f"u{i}@acme.example")) for i in range(5)]
    theirs = await directory.create_user(stranger, jonas())
    changed = await directory.update_user(admin, mine[0].id, UserUpdate(active=False))
    outbox.events.clear()
    outbox.notified = 0
    assert await directory.republish_users(batch=2) == 6
    snapshots = sorted([changed, *mine[1:], theirs], key=lambda u: u.id)
    assert announced(outbox) == [u.snapshot() for u in snapshots]
    assert outbox.notified == 3  # one commit per batch of two
    assert (announced(outbox)[0].active, announced(outbox)[0].version) == (False, 2)


async def test_republish_of_an_empty_directory(directory: DirectoryUseCases, outbox: Any) -> None:
    assert await directory.republish_users() == 0
    assert outbox.events == []


# --- the operator -----------------------------------------------------------------------------


async def test_the_operator_creates_a_workspace_and_its_first_admin(
    operator: OperatorUseCases, workspaces: Any, users: Any, outbox: Any
) -> None:
    made = await operator.create_workspace(
        WorkspaceCreate(name="Acme", admin=AdminCreate(name="Ada", email="Ada@Acme.example"))
    )
    assert workspaces.items[made.workspace.id] == made.workspace
    assert made.workspace.name == "Acme"
    assert users.items == {made.admin.id: made.admin}
    assert (made.admin.workspace_id, made.admin.role, made.admin.email, made.admin.version) == (
        made.workspace.id,
        Role.ADMIN,
        "ada@acme.example",
        1,
    )
    assert announced(outbox) == [made.admin.snapshot()]
    assert await operator.user(made.workspace.id, made.admin.id) == made.admin
    with pytest.raises(UserNotFound):
        await operator.user("W1", made.admin.id)


async def test_the_operator_is_admitted_with_the_key_only(operator: OperatorUseCases, limiter: Any) -> None:
    key = operator.operator_key
    await operator.admit(key, "10.0.0.1")
    assert limiter.hits == {}
    for sent in (None, "", "wrong", key.upper(), key[:-1]):
        with pytest.raises(InvalidOperatorKey):
            await operator.admit(sent, "10.0.0.1")
    assert limiter.hits == {"10.0.0.1": 5}
    with pytest.raises(RateLimited):  # the limit is 5 refused keys per address
        await operator.admit("wrong", "10.0.0.1")
    with pytest.raises(InvalidOperatorKey):  # another address has its own count
        await operator.admit("wrong", "10.0.0.2")


async def test_operator_calls_are_disabled_without_a_key(
    workspaces: Any, users: Any, writer: Any, limiter: Any
) -> None:
    disabled = OperatorUseCases(
        operator_key="",
        auth_failures=Limit(3),
        limiter=limiter,
        workspaces=workspaces,
        users=users,
        writer=writer,
    )
    for sent in (None, "", "anything"):
        with pytest.raises(OperatorCallsDisabled):
            await disabled.admit(sent, "10.0.0.1")
    assert limiter.hits == {}


async def test_team_grants_reach_every_member_and_only_them(
    directory: DirectoryUseCases, admin: Principal, outbox: Any
) -> None:
    """A team-level grant is every member's from their next request: each member's snapshot carries
    it (with their own grants), and a change of the team's grants announces each member again."""
    billing = await a_team(directory, admin)
    member = await directory.create_user(admin, jonas(team_ids=[billing.id], grants=[Permission.EXPORT]))
    outsider = await directory.create_user(admin, jonas(email="ann@acme.example", name="Ann"))
    assert [u.grants for u in announced(outbox)] == [["export"], []]

    outbox.events.clear()
    given = await directory.update_team(admin, billing.id, TeamUpdate(grants=[Permission.TRANSFER]))
    assert given.grants == [Permission.TRANSFER]
    (changed,) = announced(outbox)
    assert (changed.id, changed.version, changed.grants) == (
        member.id,
        member.version + 1,
        ["export", "transfer"],
    )
    stored = await directory.users.get(admin.workspace_id, member.id)
    assert stored is not None and stored.grants == [Permission.EXPORT]  # the user's own grants stay theirs

    outbox.events.clear()
    await directory.update_team(admin, billing.id, TeamUpdate(name="Billing EU"))  # grants unchanged
    await directory.update_team(admin, billing.id, TeamUpdate(grants=[Permission.TRANSFER]))
    assert announced(outbox) == []  # nothing changed for the members: nothing announced
    await directory.update_team(admin, billing.id, TeamUpdate(grants=[]))
    (taken_back,) = announced(outbox)
    assert (taken_back.id, taken_back.version, taken_back.grants) == (
        member.id,
        member.version + 2,
        ["export"],
    )
    assert outsider.id not in {u.id for u in announced(outbox)}


async def test_only_an_admin_gives_a_team_grants(
    directory: DirectoryUseCases, admin: Principal, supervisor: Principal
) -> None:
    billing = await a_team(directory, admin)
    with pytest.raises(Forbidden):
        await directory.update_team(supervisor, billing.id, TeamUpdate(grants=[Permission.SETTINGS]))
    assert (await directory.team(admin, billing.id)).grants == []
