"""Pure rules of the chats feature: the sync cursor."""

from __future__ import annotations

from datetime import UTC, datetime

from livechat_shared.contracts import ChatSnapshot


def sync_cursor(chat: ChatSnapshot) -> str:
    """Where a sync page ended: the last chat's change time and id (ties on time are ordered by id)."""
    return f"{chat.updated_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}~{chat.id}"


def parse_sync_cursor(value: str) -> tuple[datetime, str]:
    """A cursor from :func:`sync_cursor`, or a plain ISO time to start from. Raises ValueError."""
    at_text, _, chat_id = value.partition("~")
    at = datetime.fromisoformat(at_text)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)), chat_id
