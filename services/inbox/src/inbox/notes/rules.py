"""Pure rules of notes: who may add one, who may change or delete one."""

from __future__ import annotations

from datetime import datetime

from livechat_shared.auth import ChatScope, Permission, Principal, Role, can_act_on_chat, can_see_chat

MODERATORS = frozenset({Role.ADMIN, Role.SUPERVISOR})


def may_add_note(user: Principal, chat: ChatScope) -> bool:
    """Adding a note is managing the chat: the user sees it and has ``manage``."""
    return can_act_on_chat(user, chat, Permission.MANAGE)


def may_change_note(user: Principal, chat: ChatScope, author_id: str) -> bool:
    """Editing or deleting a note, among those who see the chat: its author, or an admin or a
    supervisor with ``manage``."""
    if not can_see_chat(user, chat):
        return False
    if author_id == user.user_id:
        return True
    return user.role in MODERATORS and user.has(Permission.MANAGE)


def stored_time(at: datetime) -> datetime:
    """``at`` as the database keeps it (milliseconds), so an answer shows what a later read shows."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
