"""Pure rules of a transfer: who may move a chat, and what a move changes."""

from __future__ import annotations

from typing import Any

from livechat_shared.auth import Permission, Principal
from livechat_shared.contracts import HandoffTarget

from ..core.models import Chat


def may_transfer(user: Principal, chat: Chat) -> bool:
    """The assignee may hand their chat on; anyone else needs the ``transfer`` permission."""
    return (chat.assignee_id is not None and chat.assignee_id == user.user_id) or user.has(
        Permission.TRANSFER
    )


def to_agent(chat: Chat, agent_id: str) -> dict[str, Any]:
    """The agent becomes the assignee of a live chat; a waiting chat is open again."""
    changes: dict[str, Any] = {"assignee_id": agent_id, "mode": "live"}
    if chat.status in ("pending", "resolved", "closed"):
        changes["status"] = "open"
    return changes


def to_team(team_id: str) -> dict[str, Any]:
    """The chat waits for the team (its assignment rules pick a member): nobody holds it meanwhile,
    and routing offers it to the team's online members."""
    return {
        "assignee_id": None,
        "team_ids": [team_id],
        "mode": "live",
        "status": "pending",
        "target": HandoffTarget(team_ids=[team_id], availability_check=True).model_dump(mode="json"),
    }


def system_text(by: str, *, agent: str | None = None, team: str | None = None) -> str:
    """The line the chat's history shows: who moved it where."""
    return f"{by} transferred the chat to {agent}" if agent else f"{by} transferred the chat to team {team}"
