"""What a chat's messages add up to, kept on the chat as its messages are stored.

The projection folds each message into its chat's :class:`MessageStats` once, when the message is
first stored (in the same transaction), so an export reads the figures with the chat instead of
reading its messages. The result does not depend on the order the messages arrive in: a message is
placed by its ``seq`` (the inbox's order of the chat's messages), not by when it came.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

REPLIES = ("agent", "ai")
"""Who answers a person: an agent or the AI agent."""


@dataclass(frozen=True)
class ReplyLookup:
    """The first answer after the person's first message may be a message stored before it: the
    first agent or AI message with ``after < seq`` (and ``seq < before``, when a later answer is
    already known) must be looked up among the chat's stored messages."""

    after: int
    before: int | None


@dataclass
class MessageStats:
    """A chat's message counts, the person's first message and the first answer after it (an agent's
    or the AI's message with a higher ``seq``); ``last_seq`` is the highest ``seq`` stored."""

    total: int = 0
    by_person: int = 0
    by_agents: int = 0
    by_ai: int = 0
    last_seq: int | None = None
    first_person_seq: int | None = None
    first_person_at: datetime | None = None
    first_reply_seq: int | None = None
    first_reply_at: datetime | None = None

    def add(self, kind: str, seq: int, at: datetime) -> ReplyLookup | None:
        """Count a message stored for the first time (``kind``: its author's type). Returns what must
        be looked up when the message is the person's new first one and an answer to it may already
        be stored (then call :meth:`answered` with what was found); ``None`` otherwise."""
        lookup: ReplyLookup | None = None
        self.total += 1
        if kind == "person":
            self.by_person += 1
            if self.first_person_seq is None or seq < self.first_person_seq:
                self.first_person_seq, self.first_person_at = seq, at
                if self.last_seq is not None and self.last_seq > seq:
                    lookup = ReplyLookup(after=seq, before=self.first_reply_seq)
                # else: nothing is stored after it, so no answer yet (an answer after the previous
                # first person message is after this one too, and is kept).
        elif kind in REPLIES:
            self.by_agents += kind == "agent"
            self.by_ai += kind == "ai"
            if (
                self.first_person_seq is not None
                and seq > self.first_person_seq
                and (self.first_reply_seq is None or seq < self.first_reply_seq)
            ):
                self.first_reply_seq, self.first_reply_at = seq, at
        self.last_seq = seq if self.last_seq is None else max(self.last_seq, seq)
        return lookup

    def answered(self, seq: int, at: datetime) -> None:
        """The answer a :class:`ReplyLookup` found (it precedes any answer known so far)."""
        self.first_reply_seq, self.first_reply_at = seq, at

    @property
    def first_response_seconds(self) -> float | None:
        """From the person's first message to the first answer after it (an agent's or the AI's)."""
        if self.first_person_at is None or self.first_reply_at is None:
            return None
        return max(0.0, (self.first_reply_at - self.first_person_at).total_seconds())

    @classmethod
    def from_doc(cls, doc: dict[str, Any] | None) -> MessageStats:
        """The stats stored on a chat (``stats``); none stored is no message."""
        if not doc:
            return cls()
        return cls(
            total=doc.get("total", 0),
            by_person=doc.get("person", 0),
            by_agents=doc.get("agents", 0),
            by_ai=doc.get("ai", 0),
            last_seq=doc.get("last_seq"),
            first_person_seq=doc.get("first_person_seq"),
            first_person_at=doc.get("first_person_at"),
            first_reply_seq=doc.get("first_reply_seq"),
            first_reply_at=doc.get("first_reply_at"),
        )

    def to_doc(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "person": self.by_person,
            "agents": self.by_agents,
            "ai": self.by_ai,
            "last_seq": self.last_seq,
            "first_person_seq": self.first_person_seq,
            "first_person_at": self.first_person_at,
            "first_reply_seq": self.first_reply_seq,
            "first_reply_at": self.first_reply_at,
        }


def response_seconds(stats: dict[str, Any] | None) -> float | None:
    """:attr:`MessageStats.first_response_seconds` of stored stats, read without building them."""
    if not stats:
        return None
    asked, answered = stats.get("first_person_at"), stats.get("first_reply_at")
    if asked is None or answered is None:
        return None
    elapsed: float = (answered - asked).total_seconds()
    return max(0.0, elapsed)
