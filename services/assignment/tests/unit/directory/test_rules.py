"""The directory's pure decisions: who may change it, what a caller may give, the last admin, what
a user sees of another, the operator's key, and when named teams all exist."""

from __future__ import annotations

from typing import Any

import pytest
from assignment.core.models import User
from assignment.directory.rules import (
    all_teams_found,
    holds_at_least,
    may_change_directory,
    may_change_user,
    operator_key_matches,
    removes_an_admin,
    removes_last_admin,
    sees_full_user,
)
from livechat_shared.auth import Permission, Principal, Role
from livechat_shared.ids import utcnow


def principal(role: Role, *grants: Permission) -> Principal:
    return Principal(user_id="u", workspace_id="W", role=role, grants=frozenset(grants))


def user(role: Role = Role.AGENT, *, active: bool = True, grants: tuple[Permission, ...] = ()) -> User:
    return User(
        id="u-1",
        workspace_id="W",
        name="Jonas",
        email="jonas@acme.example",
        role=role,
        grants=list(grants),
        active=active,
        created_at=utcnow(),
    )


@pytest.mark.parametrize(
    ("role", "grants", "may"),
    [
        (Role.ADMIN, (), True),
        (Role.SUPERVISOR, (), False),
        (Role.AGENT, (), False),
        (Role.AGENT, (Permission.SETTINGS,), False),
        (Role.SUPERVISOR, tuple(Permission), False),
    ],
)
def test_only_an_admin_changes_the_directory(role: Role, grants: tuple[Permission, ...], may: bool) -> None:
    assert may_change_directory(principal(role, *grants)) is may


@pytest.mark.parametrize(
    ("actor", "role", "grants", "holds"),
    [
        (principal(Role.ADMIN), Role.ADMIN, tuple(Permission), True),
        (principal(Role.SUPERVISOR), Role.SUPERVISOR, tuple(Permission), True),
        (principal(Role.SUPERVISOR), Role.ADMIN, (), False),  # every permission, but not the reach
        (principal(Role.AGENT), Role.AGENT, (), True),
        (principal(Role.AGENT), Role.SUPERVISOR, (), False),
        (principal(Role.AGENT), Role.AGENT, (Permission.EXPORT,), False),
        (principal(Role.AGENT, Permission.EXPORT), Role.AGENT, (Permission.EXPORT,), True),
        (principal(Role.AGENT, Permission.EXPORT), Role.AGENT, (Permission.EXPORT, Permission.BAN), False),
    ],
)
def test_nobody_gives_more_than_they_hold(
    actor: Principal, role: Role, grants: tuple[Permission, ...], holds: bool
) -> None:
    assert holds_at_least(actor, role, grants) is holds


@pytest.mark.parametrize(
    ("actor", "before", "after", "may"),
    [
        (principal(Role.ADMIN), None, user(Role.ADMIN), True),
        (principal(Role.ADMIN), user(Role.ADMIN), user(Role.AGENT), True),
        (principal(Role.ADMIN), user(), user(grants=tuple(Permission)), True),
        (principal(Role.SUPERVISOR), None, user(), False),
        (principal(Role.SUPERVISOR), None, user(Role.ADMIN), False),
        (principal(Role.SUPERVISOR), user(Role.SUPERVISOR), user(Role.ADMIN), False),
        (principal(Role.SUPERVISOR), user(Role.ADMIN), user(Role.AGENT), False),
        (principal(Role.AGENT, Permission.SETTINGS), user(), user(active=False), False),
    ],
)
def test_may_change_user(actor: Principal, before: User | None, after: User, may: bool) -> None:
    assert may_change_user(actor, before, after) is may


ADMIN, AGENT = user(Role.ADMIN), user(Role.AGENT)
INACTIVE_ADMIN = user(Role.ADMIN, active=False)


@pytest.mark.parametrize(
    ("before", "after", "admins", "removes", "last"),
    [
        (ADMIN, AGENT, 1, True, True),  # demote the last admin
        (ADMIN, INACTIVE_ADMIN, 1, True, True),  # deactivate the last admin
        (ADMIN, user(Role.SUPERVISOR), 1, True, True),
        (ADMIN, AGENT, 2, True, False),  # another admin remains
        (ADMIN, INACTIVE_ADMIN, 2, True, False),
        (ADMIN, user(Role.ADMIN, grants=(Permission.BAN,)), 1, False, False),  # still an active admin
        (INACTIVE_ADMIN, AGENT, 0, False, False),  # was no active admin
        (AGENT, user(Role.AGENT, active=False), 1, False, False),
        (AGENT, ADMIN, 1, False, False),  # promotion
    ],
)
def test_the_last_active_admin(before: User, after: User, admins: int, removes: bool, last: bool) -> None:
    assert removes_an_admin(before, after) is removes
    assert removes_last_admin(before, after, admins) is last


@pytest.mark.parametrize(
    ("viewer", "full"),
    [
        (principal(Role.ADMIN), True),
        (principal(Role.SUPERVISOR), False),
        (principal(Role.AGENT), False),
        (principal(Role.AGENT, *Permission), False),
    ],
)
def test_admins_see_users_in_full_and_others_the_card(viewer: Principal, full: bool) -> None:
    assert sees_full_user(viewer) is full


KEY = "the-operator-key-0123456789-abcdefghij"


@pytest.mark.parametrize(
    ("configured", "sent", "matches"),
    [
        (KEY, KEY, True),
        (KEY, KEY + "x", False),
        (KEY, KEY[:-1], False),
        (KEY, "", False),
        (KEY, None, False),
        (KEY, "ключ", False),  # any text is compared, never raises
        ("", "", False),  # none configured: nothing matches
        ("", None, False),
    ],
)
def test_operator_key_matches(configured: str, sent: Any, matches: bool) -> None:
    assert operator_key_matches(configured, sent) is matches


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
