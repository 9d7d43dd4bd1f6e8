"""Events the AI agent publishes: its answers, its Human Handoffs and the ratings it collects."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from .envelope import Contract
from .values import HandoffTarget

AiReplyKind = Literal["greeting", "answer", "fallback", "feedback_request", "feedback_thanks", "notice"]
"""What an AI message is: ``notice`` is for the agents only (why the AI stopped answering), never
sent to the person; every other kind is delivered on the chat's channel."""

HandoffTrigger = Literal["keyword", "request", "low_confidence", "llm"]


class AiReplyCreatedV1(Contract):
    """The AI agent answered on an AI-mode chat (or, ``notice``, says why it does not)."""

    event_type: ClassVar[str] = "aiagent.reply.created"

    reply_to: str | None = None
    """The person's message it answers (its id); ``None`` for a greeting-less notice or a rating request."""
    kind: AiReplyKind
    text: str = Field(min_length=1, max_length=4000)
    article_id: str | None = None
    """The knowledge-base article the answer came from."""
    article_title: str | None = None
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class ChatHandedOffV1(Contract):
    """The AI agent's Human Handoff: the chat becomes a livechat waiting for an agent of ``target``;
    ``message`` is what the AI tells the person, ``summary`` is for the agent."""

    event_type: ClassVar[str] = "aiagent.chat.handed_off"

    teamspace_id: str
    target: HandoffTarget
    trigger: HandoffTrigger
    summary: str = Field(max_length=2000)
    message: str | None = Field(default=None, max_length=4000)
    reply_to: str | None = None


class FeedbackCollectedV1(Contract):
    """The person rated the chat (Collect Feedback, after it was closed)."""

    event_type: ClassVar[str] = "aiagent.feedback.collected"

    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)
    at: datetime
