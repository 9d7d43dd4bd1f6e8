"""Pure rules of what the AI agent says and decides on a chat."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from livechat_shared.contracts import AiReplyKind, Author, ChatHandedOffV1, FeedbackCollectedV1

from ..core.models import Chat

AI_AUTHOR = Author(type="ai", name="AI agent")
"""The author of what the AI agent tells the person (delivered on the chat's channel)."""
AI_SYSTEM_AUTHOR = Author(type="system", name="AI agent")
"""The author of the AI agent's lines for the agents only (notices, the handoff line)."""


def message_key(event_id: str) -> str:
    """The natural key of the message an AI event stores: a redelivered event stores nothing more."""
    return f"ai:{event_id}"


def handoff_line_key(event_id: str) -> str:
    """The natural key of a handoff's system line (the handoff's own message takes :func:`message_key`)."""
    return f"ai:{event_id}:handoff"


def reply_author(kind: AiReplyKind) -> Author:
    """A ``notice`` is for the agents only (a system line, never delivered); the rest is the AI's."""
    return AI_SYSTEM_AUTHOR if kind == "notice" else AI_AUTHOR


def answers(chat: Chat) -> bool:
    """The AI speaks on a chat only while the chat is its own (an agent took it over meanwhile: not)."""
    return chat.mode == "ai"


def handoff_text(summary: str) -> str:
    return f"Handed off to a person: {summary}" if summary else "Handed off to a person"


def handoff_changes(event: ChatHandedOffV1, now: datetime) -> dict[str, Any]:
    """The chat becomes a livechat waiting for an agent of the target: nobody holds it, the person
    waits from now (the reply-time rule applies), and the target's teams see it."""
    changes: dict[str, Any] = {
        "mode": "live",
        "status": "pending",
        "assignee_id": None,
        "target": event.target.model_dump(mode="json"),
        "handoff_summary": event.summary,
        "waiting_since": now,
        "updated_at": now,
        "last_message_at": now,
    }
    if event.target.team_ids:
        changes["team_ids"] = list(event.target.team_ids)
    return changes


def rating_of(event: FeedbackCollectedV1) -> dict[str, Any]:
    return {"score": event.score, "comment": event.comment, "at": _utc(event.at)}


def same_rating(stored: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Whether ``stored`` is ``new`` already (times compared to the millisecond the database keeps)."""
    if stored is None:
        return False
    at = stored.get("at")
    return (
        (stored.get("score"), stored.get("comment")) == (new["score"], new["comment"])
        and isinstance(at, datetime)
        and _ms(at) == _ms(new["at"])
    )


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _ms(at: datetime) -> datetime:
    at = _utc(at)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
