"""The stored state of assigning: each chat's place in the queue or its assignee, each agent's load,
and the decision log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from livechat_shared.contracts import AssignmentMethod
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
    inbox_version: int = 0
    """The chat's version in the inbox when it was seen waiting."""
    summary: str | None = None
    notes: list[Decision] = []
    """Decision-log entries made before routing (a target that fell back), logged with the chat's
    first change."""

    @property
    def teamspace_id(self) -> str:
        return self.handoff.teamspace_id


class Announcement(BaseModel):
    """A decision the inbox must still learn of: stored with the change it announces (one update),
    published at once, and published again by the sweep until the inbox's next placement of the chat
    shows it arrived — a crash between the change and its publication loses nothing."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["assigned", "unassigned"]
    agent_id: str
    """The assignee (``assigned``) or the agent the chat was taken from (``unassigned``)."""
    method: AssignmentMethod = "balanced"
    reason: str
    at: datetime


class ChatAssignment(Document):
    """One chat's assignment (``_id`` is the chat id)."""

    workspace_id: str
    teamspace_id: str
    state: ChatState
    assignee_id: str | None = None
    enqueued_seq: int
    """The chat's place in its teamspace's pending queue: smaller waited longer (see the repository)."""
    handoff: Handoff
    summary: str | None = None
    """The handoff's summary for the agent (shown in the queue)."""
    enqueued_at: datetime | None = None
    inbox_version: int = 0
    """The chat's version in the inbox at the last placement applied: older placements are stale."""
    announce: Announcement | None = None


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


class QueuedChat(BaseModel):
    """A chat waiting in the pending queue, as ``GET /v1/queue`` shows it."""

    chat_id: str
    teamspace_id: str
    position: int
    """Its place in its teamspace's queue (smaller waited longer)."""
    enqueued_at: datetime | None = None
    target: Handoff
    summary: str | None = None


class ClaimResult(BaseModel):
    """A voluntary claim that won: the chat is the caller's."""

    chat_id: str
    assignee_id: str
    teamspace_id: str


class Claimer(BaseModel):
    """A user as the queue sees them: the chats they may claim are those targeting them."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    team_ids: list[str]
    teamspace_ids: list[str]
