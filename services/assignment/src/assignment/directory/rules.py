"""Pure decisions of the directory: who may change it, what a caller may give, the last admin,
what a user sees of another, the operator's key, and whether named teams exist."""

from __future__ import annotations

import hmac
from collections.abc import Collection

from livechat_shared.auth import ROLE_PERMISSIONS, Permission, Principal, Role

from ..core.models import User

ROLE_RANK: dict[Role, int] = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}
"""How far a role reaches: an agent their own and their teams' chats, a supervisor their teams',
an admin the whole workspace (and the directory)."""


def may_change_directory(user: Principal) -> bool:
    """Users (roles, grants, teams, activation), teams, teamspaces and the workspace's settings are
    changed by admins only; reading them needs only a user of the workspace."""
    return user.role is Role.ADMIN


def holds_at_least(actor: Principal, role: Role, grants: Collection[Permission]) -> bool:
    """Whether ``actor`` holds everything a user with ``role`` and ``grants`` would: a role that
    reaches no further than theirs, and no permission they lack. Nobody gives (or takes from
    someone) more than they hold."""
    if ROLE_RANK[role] > ROLE_RANK[actor.role]:
        return False
    return (ROLE_PERMISSIONS[role] | frozenset(grants)) <= actor.permissions


def may_change_user(actor: Principal, before: User | None, after: User) -> bool:
    """An admin may create (``before`` is None) or change a user, within what they hold both
    before and after the change."""
    holdings = [after] if before is None else [before, after]
    return may_change_directory(actor) and all(holds_at_least(actor, u.role, u.grants) for u in holdings)


def removes_an_admin(before: User, after: User) -> bool:
    """The change demotes or deactivates an active admin."""
    return before.is_active_admin and not after.is_active_admin


def removes_last_admin(before: User, after: User, active_admins: int) -> bool:
    """The change would leave the workspace without an active admin (``active_admins`` counts the
    workspace's active admins before it)."""
    return removes_an_admin(before, after) and active_admins <= 1


def sees_full_user(viewer: Principal) -> bool:
    """Admins see users in full; every other user of the workspace sees the card (no email,
    languages, capacity or grants)."""
    return viewer.role is Role.ADMIN


def operator_key_matches(configured: str, sent: str | None) -> bool:
    """The operator's key was sent (compared in constant time); never true when none is configured."""
    if not configured or sent is None:
        return False
    return hmac.compare_digest(configured.encode(), sent.encode())


def all_teams_found(team_ids: Collection[str], found: int) -> bool:
    """``found`` teams of the workspace matched the named ``team_ids`` (duplicates count once)."""
    return found == len(set(team_ids))
