"""The rule-based brain's decisions: greet a new chat, turn a person's message into one turn, and
summarise the chat for the agent who takes it over."""

from __future__ import annotations

from collections.abc import Sequence

from .knowledge import KnowledgeBase, words
from .schemas import BrainConfig, Memory, Turn

ASKED_FOR_A_HUMAN = "asked for a human"


def without_confidence(n: int) -> str:
    """The handoff reason after ``n`` fallbacks in a row."""
    return f"{n} answers without confidence"


def greet(config: BrainConfig, memory: Memory) -> tuple[Turn | None, Memory]:
    """The greeting of a chat, once; ``None`` when already greeted or the app has no greeting."""
    if memory.greeted or not config.greeting.strip():
        return None, memory
    return Turn(kind="greeting", text=config.greeting), memory.model_copy(update={"greeted": True})


def asks_for_a_human(keywords: Sequence[str], text: str) -> bool:
    """Whether ``text`` holds one of ``keywords`` as whole words (a keyword may be several words),
    ignoring case and accents: "AGENT please" does, "agentic" does not."""
    said = words(text)
    for keyword in keywords:
        wanted = words(keyword)
        if wanted and any(said[i : i + len(wanted)] == wanted for i in range(len(said) - len(wanted) + 1)):
            return True
    return False


def respond(config: BrainConfig, kb: KnowledgeBase, memory: Memory, text: str) -> tuple[Turn, Memory]:
    """The turn for a person's message, and what to remember.

    In order: a request for a human (when ``handoff_on_request``) hands off; the best article at or
    above the confidence threshold is answered and clears the count of fallbacks; otherwise the
    fallback is counted, and the ``max_low_confidence_in_a_row``-th fallback in a row hands off
    instead. A handoff clears the count, so a chat handed back to the AI starts afresh.
    """
    best = kb.best(text)
    confidence = best.confidence if best else 0.0
    if config.handoff_on_request and asks_for_a_human(config.handoff_keywords, text):
        return _handoff(config, memory, confidence, ASKED_FOR_A_HUMAN)
    if best is not None and best.confidence >= config.confidence_threshold:
        turn = Turn(
            kind="answer", text=best.article.answer, article_id=best.article.id, confidence=confidence
        )
        return turn, memory.model_copy(update={"low_confidence_in_a_row": 0})
    in_a_row = memory.low_confidence_in_a_row + 1
    if in_a_row >= config.max_low_confidence_in_a_row:
        return _handoff(config, memory, confidence, without_confidence(in_a_row))
    turn = Turn(kind="fallback", text=config.fallback_answer, confidence=confidence)
    return turn, memory.model_copy(update={"low_confidence_in_a_row": in_a_row})


def _handoff(config: BrainConfig, memory: Memory, confidence: float, reason: str) -> tuple[Turn, Memory]:
    turn = Turn(kind="handoff", text=config.handoff_answer, confidence=confidence, reason=reason)
    return turn, memory.model_copy(update={"low_confidence_in_a_row": 0})


SUMMARY_QUOTE_LENGTH = 120
"""The longest quote of a message in a summary, in characters (an ellipsis marks a cut)."""


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) > SUMMARY_QUOTE_LENGTH:
        flat = flat[: SUMMARY_QUOTE_LENGTH - 1].rstrip() + "…"
    return f'"{flat}"'


def summary(person_messages: Sequence[str], reason: str | None = None, *, count: int | None = None) -> str:
    """A short summary for the agent taking the chat over: why it was handed off, how many messages
    the person wrote, and their first and last message (whitespace collapsed, each cut at
    ``SUMMARY_QUOTE_LENGTH`` characters). Blank messages are left out.

    ``count``: how many messages the person wrote, when ``person_messages`` keeps only some of them
    (the first and the last ones); by default, the non-blank ones given."""
    said = [m for m in person_messages if m.strip()]
    written = max(count, len(said)) if count is not None and said else len(said)
    parts = [f"Handoff: {reason}." if reason else "Handoff."]
    if not said:
        parts.append("The person has written nothing yet.")
    elif written == 1:
        parts.append(f"The person wrote 1 message: {_quote(said[0])}.")
    else:
        parts.append(
            f"The person wrote {written} messages. First: {_quote(said[0])}. Last: {_quote(said[-1])}."
        )
    return " ".join(parts)
