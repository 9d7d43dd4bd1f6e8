"""The directory's use cases against in-memory repositories (fixtures in ``unit/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from assignment.core.models import Team, Teamspace
from assignment.directory.schemas import (
    TeamCreate,
    TeamspaceCreate,
    TeamUpdate,
    UserCreate,
    UserUpdate,
    WorkspaceUpdate,
)
from assignment.directory.use_cases import DirectoryUseCases
from assignment.errors import (
    EmailTaken,
    Forbidden,
    TeamNotFound,
    UnknownTeam,
    UnknownTeamspace,
    UserNotFound,
    WorkspaceNotFound,
)
from livechat_shared.auth import Principal, Role


async def a_teamspace(directory: DirectoryUseCases, actor: Principal) -> Teamspace:
    return await directory.create_teamspace(actor, TeamspaceCreate(name="Europe"))


async def a_team(directory: DirectoryUseCases, actor: Principal, name: str = "Billing") -> Team:
    teamspace = await a_teamspace(directory, actor)
    return await directory.create_team(actor, TeamCreate(teamspace_id=teamspace.id, name=name))


def jonas(**changes: Any) -> UserCreate:
    return UserCreate(**{"name": "Jonas", "email": "jonas@acme.example", **changes})


# --- the workspace ----------------------------------------------------------------------------


async def test_the_workspace_is_missing_until_named(directory: DirectoryUseCases, admin: Principal) -> None:
    with pytest.raises(WorkspaceNotFound):
        await directory.workspace(admin)
    named = await directory.name_workspace(admin, WorkspaceUpdate(name="Acme"))
    assert (named.id, named.name) == ("W1", "Acme")
    renamed = await directory.name_workspace(admin, WorkspaceUpdate(name="Acme GmbH"))
    assert renamed.created_at == named.created_at
    assert (await directory.workspace(admin)).name == "Acme GmbH"


# --- permissions ------------------------------------------------------------------------------


async def test_an_agent_reads_the_directory(
    directory: DirectoryUseCases, admin: Principal, agent: Principal
) -> None:
    team = await a_team(directory, admin)
    assert (await directory.team(agent, team.id)).name == "Billing"
    assert (await directory.list_teams(agent, 0, 50)).total == 1


CHANGES = {
    "name the workspace": lambda d, u: d.name_workspace(u, WorkspaceUpdate(name="Acme")),
    "create a teamspace": lambda d, u: d.create_teamspace(u, TeamspaceCreate(name="Europe")),
    "create a team": lambda d, u: d.create_team(u, TeamCreate(teamspace_id="ts", name="Billing")),
    "change a team": lambda d, u: d.update_team(u, "t", TeamUpdate(name="Sales")),
    "create a user": lambda d, u: d.create_user(u, jonas()),
    "change a user": lambda d, u: d.update_user(u, "u", UserUpdate(role=Role.ADMIN)),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
async def test_an_agent_without_the_settings_permission_changes_nothing(
    change: Any, directory: DirectoryUseCases, agent: Principal, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(Forbidden):
        await change(directory, agent)
    for store in ("workspaces", "teamspaces", "teams", "users"):
        assert request.getfixturevalue(store).items == {}


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


async def test_create_a_user(directory: DirectoryUseCases, admin: Principal, users: Any) -> None:
    team = await a_team(directory, admin)
    user = await directory.create_user(admin, jonas(email="Jonas@ACME.example", team_ids=[team.id]))
    assert (user.workspace_id, user.email, user.role, user.team_ids) == (
        "W1",
        "jonas@acme.example",
        Role.AGENT,
        [team.id],
    )
    assert users.items == {user.id: user}
    assert await directory.user(admin, user.id) == user


async def test_a_user_with_an_unknown_team_is_not_stored(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal, users: Any
) -> None:
    team = await a_team(directory, admin)
    with pytest.raises(UnknownTeam):
        await directory.create_user(admin, jonas(team_ids=[team.id, "NO-SUCH-TEAM"]))
    theirs = await a_team(directory, stranger)
    with pytest.raises(UnknownTeam):
        await directory.create_user(admin, jonas(team_ids=[theirs.id]))
    assert users.items == {}


async def test_an_email_is_taken_once_per_workspace(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal, users: Any
) -> None:
    first = await directory.create_user(admin, jonas())
    with pytest.raises(EmailTaken):
        await directory.create_user(admin, jonas(name="Jonas II", email="JONAS@acme.example"))
    assert list(users.items) == [first.id]
    await directory.create_user(stranger, jonas())  # another workspace may use it
    assert len(users.items) == 2


async def test_change_a_user(directory: DirectoryUseCases, admin: Principal) -> None:
    team = await a_team(directory, admin)
    user = await directory.create_user(admin, jonas(max_chats=3))
    changed = await directory.update_user(
        admin, user.id, UserUpdate(role=Role.SUPERVISOR, team_ids=[team.id], max_chats=None)
    )
    assert (changed.name, changed.role, changed.team_ids, changed.max_chats) == (
        "Jonas",
        Role.SUPERVISOR,
        [team.id],
        None,
    )
    assert changed.email == user.email and changed.updated_at is not None


async def test_a_change_naming_an_unknown_team_changes_nothing(
    directory: DirectoryUseCases, admin: Principal, users: Any
) -> None:
    user = await directory.create_user(admin, jonas())
    with pytest.raises(UnknownTeam):
        await directory.update_user(admin, user.id, UserUpdate(team_ids=["NO-SUCH-TEAM"], name="X"))
    assert users.items[user.id] == user
    with pytest.raises(UnknownTeam):  # the teams are checked before the user is looked up
        await directory.update_user(admin, "nobody", UserUpdate(team_ids=["NO-SUCH-TEAM"]))


async def test_another_workspaces_user_is_not_found(
    directory: DirectoryUseCases, admin: Principal, stranger: Principal
) -> None:
    theirs = await directory.create_user(stranger, jonas())
    with pytest.raises(UserNotFound):
        await directory.user(admin, theirs.id)
    with pytest.raises(UserNotFound):
        await directory.update_user(admin, theirs.id, UserUpdate(name="Mine"))
    assert (await directory.user(stranger, theirs.id)).name == "Jonas"
