"""Pure rules of routing's decisions: when one still applies to a chat, and what it changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livechat_shared.contracts import Author

from ..core.announce import placement_of
from ..core.models import Chat

ROUTING_AUTHOR = Author(type="system", name="Routing")


def why_not_assign(chat: Chat, assignee_id: str) -> str | None:
    """``None`` when the chat still waits for an agent (a livechat nobody holds); otherwise why the
    assignment no longer applies (taken over, handed back to the AI, resolved, closed, held)."""
    placement = placement_of(chat)
    if placement == "waiting":
        return None
    if placement == "held":
        return "already held by the assignee" if chat.assignee_id == assignee_id else "held by another agent"
    return "the chat is in AI mode" if chat.mode == "ai" else f"the chat is {chat.status}"


def why_not_unassign(chat: Chat, from_assignee_id: str) -> str | None:
    """``None`` when ``from_assignee_id`` still holds the chat; otherwise why it stays as it is."""
    placement = placement_of(chat)
    if placement == "held" and chat.assignee_id == from_assignee_id:
        return None
    if placement == "held":
        return "held by another agent"
    return f"the chat is {placement}"


def assign(assignee_id: str, now: datetime) -> dict[str, Any]:
    return {"assignee_id": assignee_id, "status": "open", "updated_at": now, "last_message_at": now}


def unassign(now: datetime) -> dict[str, Any]:
    return {"assignee_id": None, "status": "pending", "updated_at": now, "last_message_at": now}


def assigned_text(agent: str, reason: str) -> str:
    return f"Assigned to {agent} — {reason}" if reason else f"Assigned to {agent}"


def unassigned_text(agent: str) -> str:
    return f"{agent} was away too long: back in the queue"


def decision_key(event_id: str) -> str:
    """The natural key of the line a decision stores: a redelivered decision stores nothing more."""
    return f"routing:{event_id}"
