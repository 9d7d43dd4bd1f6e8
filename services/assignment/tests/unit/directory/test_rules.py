"""Who may change the directory, and when named teams all exist."""

from __future__ import annotations

import pytest
from assignment.directory.rules import all_teams_found, may_change_directory
from livechat_shared.auth import Permission, Principal, Role


@pytest.mark.parametrize(
    ("role", "grants", "may"),
    [
        (Role.ADMIN, (), True),
        (Role.SUPERVISOR, (), True),
        (Role.AGENT, (), False),
        (Role.AGENT, (Permission.MANAGE, Permission.EXPORT), False),
        (Role.AGENT, (Permission.SETTINGS,), True),
    ],
)
def test_may_change_directory(role: Role, grants: tuple[Permission, ...], may: bool) -> None:
    user = Principal(user_id="u", workspace_id="W", role=role, grants=frozenset(grants))
    assert may_change_directory(user) is may


@pytest.mark.parametrize(
    ("team_ids", "found", "ok"),
    [
        (["t-1"], 1, True),
        (["t-1", "t-2"], 2, True),
        (["t-1", "t-1"], 1, True),
        (["t-1", "t-2"], 1, False),
        (["t-1"], 0, False),
    ],
)
def test_all_teams_found(team_ids: list[str], found: int, ok: bool) -> None:
    assert all_teams_found(team_ids, found) is ok
