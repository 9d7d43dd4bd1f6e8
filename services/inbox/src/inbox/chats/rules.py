"""Pure rules of the chats feature: the sync cursor."""

from __future__ import annotations

from datetime import UTC, datetime

from livechat_shared.contracts import ChatSnapshot


def sync_cursor(chat: ChatSnapshot) -> str:
    """Where a sync page ended: the last chat's change time and id (ties on time are ordered by id)."""
    return f"{chat.updated_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}~{chat.id}"


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def parse_sync_cursor(value: str) -> tuple[datetime, str]:
    """A cursor from :func:`sync_cursor`, or a plain ISO time to start from. Raises ValueError for
    anything else, including times the database cannot hold (before 1970, after 9999)."""
    at_text, _, chat_id = value.partition("~")
    if len(at_text) > 40 or len(chat_id) > 64:
        raise ValueError("cursor too long")
    try:
        at = datetime.fromisoformat(at_text)
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("time out of range") from exc
    if at < EARLIEST:
        raise ValueError("time out of range")
    return at, chat_id
