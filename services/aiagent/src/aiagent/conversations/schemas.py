"""What the AI agent remembers of a chat (``Conversation``), and what it decides for one message
(``Outcome``: the replies it says, and a handoff)."""

from __future__ import annotations

from dataclasses import dataclass, field

from livechat_shared.contracts import AiReplyKind, HandoffTrigger
from livechat_shared.mongo import Document

from ..brain.schemas import Article, BrainConfig, Memory


class Conversation(Document):
    """One chat (``id``: the chat's id) as the AI agent remembers it; ``version`` grows with every change."""

    workspace_id: str
    memory: Memory = Memory()
    awaiting_feedback: bool = False
    """A rating was asked for (the chat was closed) and not given yet."""
    said: list[str] = []
    """The person's first message and their last ones since the AI took the chat (for the handoff's
    summary and the generative brain), each cut to a bounded length."""
    said_count: int = 0
    """How many messages the person wrote since the AI took the chat."""
    limit_notice_month: str | None = None
    """The month (``YYYY-MM``) the chat was told the workspace reached its AI interaction limit."""
    version: int = 0


@dataclass(frozen=True)
class Reply:
    kind: AiReplyKind
    text: str
    article_id: str | None = None
    article_title: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class Handoff:
    trigger: HandoffTrigger
    reason: str
    """Why, for the agent's summary."""


@dataclass(frozen=True)
class Outcome:
    """What the brain decided for a person's message."""

    memory: Memory
    replies: list[Reply] = field(default_factory=list)
    handoff: Handoff | None = None


@dataclass(frozen=True)
class LlmRequest:
    """What the generative brain is told for one message."""

    brain: BrainConfig
    articles: list[Article]
    """The knowledge-base articles that match the message best."""
    history: list[str]
    """The person's previous messages, oldest first."""
    text: str


@dataclass(frozen=True)
class LlmDecision:
    """What the generative brain answered: an answer (from ``article_id``, when it names one) or a handoff."""

    answer: str
    article_id: str | None = None
    handoff: bool = False
