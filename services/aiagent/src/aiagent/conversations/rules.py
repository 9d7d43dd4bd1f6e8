"""The conversation's pure decisions: reading a rating, and turning the brain's turns (rule-based or
generative) into what the AI says and whether it hands the chat off."""

from __future__ import annotations

import re

from livechat_shared.contracts import AiReplyKind, HandoffTrigger

from ..bots.schemas import BotConfig
from ..brain.knowledge import KnowledgeBase
from ..brain.rules import ASKED_FOR_A_HUMAN, greet, respond
from ..brain.schemas import Article, BrainConfig, Memory, Turn
from .schemas import Handoff, LlmDecision, Outcome, Reply

FEEDBACK_REQUEST = "How would you rate this conversation? Reply with a number from 1 (poor) to 5 (excellent)."
FEEDBACK_THANKS = "Thank you for your feedback!"
LLM_HANDOFF_REASON = "the AI model found a person should help"
SAID_KEPT = 10
"""Person messages a conversation keeps: the first and the last ones."""
SAID_LENGTH = 1000
LLM_HISTORY = 5
"""Previous person messages the generative brain sees."""


def brain_config(config: BotConfig) -> BrainConfig:
    """The brain an app's configuration describes."""
    return BrainConfig(
        greeting=config.greeting,
        articles=tuple(Article(id=a.id, question=a.question, answer=a.answer) for a in config.articles),
        confidence_threshold=config.confidence_threshold,
        fallback_answer=config.fallback_answer,
        handoff_answer=config.handoff_answer,
        handoff_keywords=tuple(config.handoff_keywords),
        handoff_on_request=config.handoff_on_request,
        max_low_confidence_in_a_row=config.max_low_confidence_in_a_row,
    )


def limit_notice(limit: int) -> str:
    return (
        f"The AI agent stopped answering: the workspace reached its limit of {limit} AI interactions "
        "this month."
    )


_RATING = re.compile(r"^\s*([1-5])\s*(?:(?:/|out of|of)\s*5|stars?|★+)?\s*[.!]*\s*$", re.IGNORECASE)


def parse_rating(text: str) -> int | None:
    """The score 1..5 in a reply to the rating request — "4", "4/5", "4 / 5", "4 out of 5", "4 stars",
    "5!" — or ``None`` for anything else (another number, words around it, several numbers)."""
    match = _RATING.match(text)
    return int(match.group(1)) if match else None


def trigger_for(reason: str) -> HandoffTrigger:
    """The handoff's trigger for the rule-based brain's reason: a handoff keyword (``keyword``), or
    too many answers without confidence in a row (``low_confidence``)."""
    return "keyword" if reason == ASKED_FOR_A_HUMAN else "low_confidence"


def reply_of(turn: Turn, kb: KnowledgeBase) -> Reply:
    """What the AI says for a greeting, an answer or a fallback (an answer names its article: the
    article's question is its title)."""
    if turn.kind == "greeting":
        return Reply(kind="greeting", text=turn.text)
    title = next((a.question for a in kb.articles if a.id == turn.article_id), None)
    kind: AiReplyKind = "answer" if turn.kind == "answer" else "fallback"
    return Reply(
        kind=kind, text=turn.text, article_id=turn.article_id, article_title=title, confidence=turn.confidence
    )


def _after_greeting(greeting: Turn | None, outcome: Outcome, greeted: Memory) -> Outcome:
    """On a chat's first message the greeting comes first; the message is answered too when it was
    answered with an article, or handed off when the person asked for one (or the model decided); a
    fallback is left out (the greeting invites the question)."""
    if greeting is None:
        return outcome
    hello = Reply(kind="greeting", text=greeting.text)
    answered = [r for r in outcome.replies if r.kind == "answer" and r.article_id is not None]
    if outcome.handoff is not None and outcome.handoff.trigger in ("keyword", "llm"):
        return Outcome(memory=outcome.memory, replies=[hello], handoff=outcome.handoff)
    if answered:
        return Outcome(memory=outcome.memory, replies=[hello, *answered])
    return Outcome(memory=greeted, replies=[hello])


def rule_outcome(config: BrainConfig, kb: KnowledgeBase, memory: Memory, text: str) -> Outcome:
    """The rule-based brain's outcome for a person's message."""
    greeting, greeted = greet(config, memory)
    turn, after = respond(config, kb, greeted, text)
    if turn.kind == "handoff":
        assert turn.reason is not None
        outcome = Outcome(memory=after, handoff=Handoff(trigger=trigger_for(turn.reason), reason=turn.reason))
    else:
        outcome = Outcome(memory=after, replies=[reply_of(turn, kb)])
    return _after_greeting(greeting, outcome, greeted)


def llm_outcome(config: BrainConfig, kb: KnowledgeBase, memory: Memory, decision: LlmDecision) -> Outcome:
    """The generative brain's outcome: its answer (naming an article of the knowledge base when it
    says it used one) or a handoff (trigger ``llm``). Either clears the count of fallbacks."""
    greeting, greeted = greet(config, memory)
    after = greeted.model_copy(update={"low_confidence_in_a_row": 0})
    if decision.handoff:
        outcome = Outcome(memory=after, handoff=Handoff(trigger="llm", reason=LLM_HANDOFF_REASON))
    else:
        article = next((a for a in kb.articles if a.id == decision.article_id), None)
        reply = Reply(
            kind="answer",
            text=decision.answer,
            article_id=article.id if article else None,
            article_title=article.question if article else None,
        )
        outcome = Outcome(memory=after, replies=[reply])
    return _after_greeting(greeting, outcome, greeted)


def remember(said: list[str], count: int, text: str) -> tuple[list[str], int]:
    """The person's messages kept after ``text``: the first one and the last ``SAID_KEPT - 1``."""
    kept = [*said, text[:SAID_LENGTH]]
    if len(kept) > SAID_KEPT:
        kept = [kept[0], *kept[-(SAID_KEPT - 1) :]]
    return kept, count + 1
