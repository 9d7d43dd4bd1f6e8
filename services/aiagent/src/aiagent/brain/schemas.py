"""What an app configures for its brain (``BrainConfig``, its ``Article``s), what the brain decides
for one message (``Turn``) and what it remembers per chat between messages (``Memory``)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..core import defaults

TurnKind = Literal["answer", "fallback", "handoff", "greeting"]

DEFAULT_HANDOFF_KEYWORDS = defaults.HANDOFF_KEYWORDS
"""Words that ask for a person, matched as whole words, ignoring case and accents."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Article(Frozen):
    """One question and its answer in an app's knowledge base."""

    id: str = Field(min_length=1)
    question: str
    answer: str


class BrainConfig(Frozen):
    """The rule-based brain of one app."""

    greeting: str = defaults.GREETING
    articles: tuple[Article, ...] = ()
    confidence_threshold: float = Field(default=defaults.CONFIDENCE_THRESHOLD, ge=0.0, le=1.0)
    """The least confidence (see ``KnowledgeBase.confidence``) at which an article is answered."""
    fallback_answer: str = defaults.FALLBACK_ANSWER
    handoff_answer: str = defaults.HANDOFF_ANSWER
    """What the person is told when the chat is handed to a person."""
    handoff_keywords: tuple[str, ...] = DEFAULT_HANDOFF_KEYWORDS
    handoff_on_request: bool = True
    """Whether a handoff keyword in a message hands the chat to a person."""
    max_low_confidence_in_a_row: int = Field(default=defaults.MAX_LOW_CONFIDENCE_IN_A_ROW, ge=1)
    """After this many fallbacks in a row the chat is handed to a person."""

    @model_validator(mode="after")
    def _unique_article_ids(self) -> Self:
        defaults.unique_article_ids([a.id for a in self.articles])
        return self


class Turn(Frozen):
    """What the brain says for one message, and why."""

    kind: TurnKind
    text: str
    article_id: str | None = None
    """The article an ``answer`` came from; ``None`` for every other kind."""
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    """The best article's confidence for the message (0 for a greeting)."""
    reason: str | None = None
    """Why a ``handoff`` happened; ``None`` for every other kind."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.kind == "answer") != (self.article_id is not None):
            raise ValueError("an answer, and only an answer, names its article")
        if (self.kind == "handoff") != (self.reason is not None):
            raise ValueError("a handoff, and only a handoff, gives its reason")
        return self


class Memory(Frozen):
    """What the brain remembers of one chat between messages."""

    low_confidence_in_a_row: int = Field(default=0, ge=0)
    greeted: bool = False
