"""Pure decisions of the directory: who may change it, and whether named teams exist."""

from __future__ import annotations

from collections.abc import Collection

from livechat_shared.auth import Permission, Principal


def may_change_directory(user: Principal) -> bool:
    """Changing the workspace, its teamspaces, teams or users needs the settings permission;
    reading them needs only a user of the workspace."""
    return user.has(Permission.SETTINGS)


def all_teams_found(team_ids: Collection[str], found: int) -> bool:
    """``found`` teams of the workspace matched the named ``team_ids`` (duplicates count once)."""
    return found == len(set(team_ids))
