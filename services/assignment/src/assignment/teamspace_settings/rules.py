"""Who may read and change a teamspace's settings."""

from __future__ import annotations

from livechat_shared.auth import Permission, Principal


def may_change(user: Principal) -> bool:
    """Admins, and users with the ``settings`` permission (supervisors by role)."""
    return user.has(Permission.SETTINGS)
