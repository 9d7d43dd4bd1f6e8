"""Who may delete chats, and what a deleted chat leaves behind."""

from __future__ import annotations

from datetime import datetime, timedelta

from livechat_shared.auth import Permission, Principal

from ..core.models import Chat, ChatTombstone


def may_delete(user: Principal) -> bool:
    return user.has(Permission.DELETE)


def tombstone(chat: Chat, deleted_at: datetime, keep_seconds: int) -> ChatTombstone:
    """The chat's tombstone: who could have seen it (its scope as it is being deleted), when it was
    deleted, and until when the resync reports it."""
    return ChatTombstone(
        id=chat.id,
        workspace_id=chat.workspace_id,
        assignee_id=chat.assignee_id,
        team_ids=list(chat.team_ids),
        deleted_at=deleted_at,
        expire_at=deleted_at + timedelta(seconds=keep_seconds),
    )
