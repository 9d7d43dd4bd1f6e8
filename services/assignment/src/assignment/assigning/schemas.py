"""The stored state of assigning: each chat's place in the queue or its assignee, each agent's load,
and the decision log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from livechat_shared.mongo import Document
from pydantic import BaseModel, ConfigDict

from ..routing.schemas import Decision, Handoff

ChatState = Literal["pending", "assigned", "released"]
"""``pending``: waiting in the queue; ``assigned``: an agent holds it (``assignee_id``); ``released``:
the agent let it go (resolved, closed, transferred away) — a new handoff queues it again."""


class ChatHandoff(BaseModel):
    """A chat handed to the live agents: what the assignment workflow is asked to place."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chat_id: str
    workspace_id: str
    handoff: Handoff

    @property
    def teamspace_id(self) -> str:
        return self.handoff.teamspace_id


class ChatAssignment(Document):
    """One chat's assignment (``_id`` is the chat id)."""

    workspace_id: str
    teamspace_id: str
    state: ChatState
    assignee_id: str | None = None
    enqueued_seq: int
    """The chat's place in its teamspace's pending queue: smaller waited longer (see the repository)."""
    handoff: Handoff


class AgentLoad(Document):
    """The livechats one agent holds (``_id`` is the user id); ``open`` is ``len(chats)``."""

    workspace_id: str
    chats: list[str] = []
    open: int = 0


class LoggedDecision(BaseModel):
    """One entry of the decision log: what routing decided for a chat, and when."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    chat_id: str
    at: datetime
    decision: Decision
