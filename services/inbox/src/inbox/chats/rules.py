"""Pure rules of the chats feature: status changes, If-Match, the sync cursor and page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from livechat_shared.contracts import ChatMode, ChatSnapshot, ChatStatus

from ..core.models import ChatTombstone
from ..errors import InvalidIfMatch, StatusNotAllowed, TagsRequired
from .schemas import SyncPage


def cursor_at(at: datetime, chat_id: str) -> str:
    """A place in the resync's order: a time, then a chat id (ties on time are ordered by id)."""
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}~{chat_id}"


def sync_cursor(chat: ChatSnapshot) -> str:
    """Where a sync page ended: the last chat's change time and id (ties on time are ordered by id)."""
    return cursor_at(chat.updated_at, chat.id)


def sync_page(
    changed: Sequence[ChatSnapshot], deleted: Sequence[ChatTombstone], limit: int, since: str
) -> SyncPage:
    """One page of the resync from ``since``: the changed chats (each by its ``updated_at``) and
    the deleted ones (each by its ``deleted_at``) in one order, the first ``limit`` of them, each
    list read up to ``limit`` after ``since``. The cursor is the last one's place, so the next page
    starts after it whichever kind it was; the page is full (``more``) when the two lists hold at
    least ``limit`` together."""
    places: list[tuple[datetime, str, ChatSnapshot | None]] = [
        *((c.updated_at, c.id, c) for c in changed),
        *((t.deleted_at, t.id, None) for t in deleted),
    ]
    page = sorted(places, key=lambda place: (place[0], place[1]))[:limit]
    return SyncPage(
        items=[chat for _at, _id, chat in page if chat is not None],
        deleted=[chat_id for _at, chat_id, chat in page if chat is None],
        cursor=cursor_at(page[-1][0], page[-1][1]) if page else since,
        more=len(places) >= limit,
    )


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


def status_change(
    *, current: ChatStatus, mode: ChatMode, tags: int, new: ChatStatus, min_tags_to_resolve: int
) -> dict[str, Any]:
    """The fields an agent's status change sets, or raises why it may not.

    - ``overdue`` is never set by hand (the reply-time rule sets and clears it);
    - ``resolved`` needs the teamspace's minimum number of tags;
    - ``closed`` hands the chat back to the AI agent (mode ``ai``), which asks for a rating;
    - reopening a closed chat by hand (``open``/``pending``) makes it a livechat again.
    """
    if new == current:
        return {}
    if new == "overdue":
        raise StatusNotAllowed()
    if new == "resolved" and tags < min_tags_to_resolve:
        raise TagsRequired(
            f"this teamspace needs {min_tags_to_resolve} tag(s) on a chat to resolve it; it has {tags}"
        )
    changes: dict[str, Any] = {"status": new}
    if new == "closed":
        changes["mode"] = "ai"
    elif current == "closed" and mode == "ai":
        changes["mode"] = "live"
    return changes


_IF_MATCH = re.compile(r'^(?:W/)?(?:"(\d{1,18})"|(\d{1,18}))$')


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` header names (``3``, ``"3"`` or ``W/"3"``); ``None`` without one."""
    if value is None:
        return None
    match = _IF_MATCH.match(value.strip())
    if match is None:
        raise InvalidIfMatch()
    return int(match.group(1) or match.group(2))


def is_overdue(
    *, status: ChatStatus, mode: ChatMode, waiting_since: datetime | None, limit_seconds: int, now: datetime
) -> bool:
    """A livechat (open or pending) whose person has waited for an agent's answer longer than the
    teamspace's reply-time limit (0: no limit)."""
    if limit_seconds <= 0 or mode != "live" or status not in ("open", "pending") or waiting_since is None:
        return False
    return (now - waiting_since).total_seconds() > limit_seconds
