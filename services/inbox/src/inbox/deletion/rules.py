"""Who may delete chats."""

from __future__ import annotations

from livechat_shared.auth import Permission, Principal


def may_delete(user: Principal) -> bool:
    return user.has(Permission.DELETE)
