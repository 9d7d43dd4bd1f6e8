"""The rule-based brain: greeting, answers above the threshold, fallbacks, handoffs by keyword and
after N fallbacks in a row, and the summary for the agent."""

from __future__ import annotations

import pytest
from aiagent.brain.knowledge import KnowledgeBase
from aiagent.brain.rules import (
    SUMMARY_QUOTE_LENGTH,
    asks_for_a_human,
    greet,
    respond,
    summary,
)
from aiagent.brain.schemas import Article, BrainConfig, Memory, Turn
from pydantic import ValidationError

ARTICLES = (
    Article(id="password", question="How do I reset my password?", answer="Open Settings, then Security."),
    Article(id="shipping", question="How long does shipping take?", answer="Orders arrive in 3 to 5 days."),
)


def config(**changes: object) -> BrainConfig:
    return BrainConfig.model_validate(
        {"articles": ARTICLES, "confidence_threshold": 0.6, "max_low_confidence_in_a_row": 2, **changes}
    )


@pytest.fixture
def kb() -> KnowledgeBase:
    return KnowledgeBase(ARTICLES)


def test_greets_once() -> None:
    turn, memory = greet(config(greeting="Hi there"), Memory())
    assert turn == Turn(kind="greeting", text="Hi there")
    assert memory.greeted
    assert greet(config(), memory) == (None, memory)


def test_no_greeting_when_the_app_has_none() -> None:
    assert greet(config(greeting="  "), Memory()) == (None, Memory())


def test_answers_the_best_article_above_the_threshold(kb: KnowledgeBase) -> None:
    turn, memory = respond(config(), kb, Memory(), "how do I RESET my password")
    assert turn.kind == "answer"
    assert turn.article_id == "password"
    assert turn.text == "Open Settings, then Security."
    assert turn.confidence == pytest.approx(1.0)
    assert memory == Memory()


def test_threshold_decides_between_answer_and_fallback(kb: KnowledgeBase) -> None:
    paraphrase = "I forgot my password"
    confidence = respond(config(confidence_threshold=0.0), kb, Memory(), paraphrase)[0].confidence
    assert 0.0 < confidence < 1.0

    at, _ = respond(config(confidence_threshold=confidence), kb, Memory(), paraphrase)
    above, memory = respond(
        config(confidence_threshold=min(1.0, confidence + 0.01)), kb, Memory(), paraphrase
    )
    assert at.kind == "answer" and at.article_id == "password"
    assert above.kind == "fallback"
    assert above.article_id is None
    assert above.confidence == pytest.approx(confidence)
    assert memory.low_confidence_in_a_row == 1


def test_fallback_for_an_unrelated_message(kb: KnowledgeBase) -> None:
    turn, memory = respond(config(fallback_answer="Pardon?"), kb, Memory(), "what is the weather like")
    assert turn == Turn(kind="fallback", text="Pardon?", confidence=0.0)
    assert memory.low_confidence_in_a_row == 1


@pytest.mark.parametrize(
    "text", ["I want an AGENT", "human, please", "Un humain svp", "talk to a real   person", "Agent!"]
)
def test_hands_off_when_asked_for_a_human(kb: KnowledgeBase, text: str) -> None:
    turn, memory = respond(config(handoff_answer="One moment."), kb, Memory(low_confidence_in_a_row=1), text)
    assert turn.kind == "handoff"
    assert turn.reason == "asked for a human"
    assert turn.text == "One moment."
    assert memory.low_confidence_in_a_row == 0


@pytest.mark.parametrize("text", ["agentic workflows", "humans are great", "the agency", "reagent"])
def test_keywords_match_whole_words_only(text: str) -> None:
    assert not asks_for_a_human(["agent", "human"], text)


def test_keywords_ignore_case_and_accents() -> None:
    assert asks_for_a_human(["conseillère"], "je veux une CONSEILLERE")
    assert asks_for_a_human(["Real Person"], "a real person please")
    assert not asks_for_a_human(["real person"], "a person, for real")


def test_keywords_are_ignored_when_requests_are_off(kb: KnowledgeBase) -> None:
    turn, _ = respond(config(handoff_on_request=False), kb, Memory(), "agent: reset my password")
    assert turn.kind == "answer"


def test_a_keyword_wins_over_a_good_answer(kb: KnowledgeBase) -> None:
    turn, _ = respond(config(), kb, Memory(), "How do I reset my password? I want a human")
    assert turn.kind == "handoff"
    assert turn.reason == "asked for a human"


def test_hands_off_after_n_fallbacks_in_a_row(kb: KnowledgeBase) -> None:
    settings = config(max_low_confidence_in_a_row=3)
    memory = Memory()
    kinds = []
    for _ in range(3):
        turn, memory = respond(settings, kb, memory, "blah blah")
        kinds.append(turn.kind)
    assert kinds == ["fallback", "fallback", "handoff"]
    assert turn.reason == "3 answers without confidence"
    assert turn.article_id is None
    assert memory.low_confidence_in_a_row == 0


def test_a_good_answer_resets_the_count(kb: KnowledgeBase) -> None:
    settings = config(max_low_confidence_in_a_row=2)
    turn, memory = respond(settings, kb, Memory(), "blah")
    assert (turn.kind, memory.low_confidence_in_a_row) == ("fallback", 1)
    turn, memory = respond(settings, kb, memory, "how long does shipping take")
    assert (turn.kind, memory.low_confidence_in_a_row) == ("answer", 0)
    turn, memory = respond(settings, kb, memory, "blah")
    assert (turn.kind, memory.low_confidence_in_a_row) == ("fallback", 1)
    turn, _ = respond(settings, kb, memory, "blah")
    assert turn.kind == "handoff"


def test_an_empty_knowledge_base_falls_back_then_hands_off() -> None:
    settings = BrainConfig(max_low_confidence_in_a_row=2, confidence_threshold=0.0)
    kb = KnowledgeBase(settings.articles)
    first, memory = respond(settings, kb, Memory(), "How do I reset my password?")
    second, memory = respond(settings, kb, memory, "How do I reset my password?")
    assert first.kind == "fallback" and first.confidence == 0.0
    assert second.kind == "handoff" and second.reason == "2 answers without confidence"


def test_one_low_confidence_answer_allowed_hands_off_at_once(kb: KnowledgeBase) -> None:
    turn, _ = respond(config(max_low_confidence_in_a_row=1), kb, Memory(), "blah")
    assert turn.reason == "1 answers without confidence"


def test_config_refuses_duplicate_ids_and_out_of_range_values() -> None:
    with pytest.raises(ValidationError):
        BrainConfig(articles=(ARTICLES[0], ARTICLES[0]))
    with pytest.raises(ValidationError):
        BrainConfig(confidence_threshold=1.5)
    with pytest.raises(ValidationError):
        BrainConfig(max_low_confidence_in_a_row=0)


def test_a_turn_is_consistent() -> None:
    with pytest.raises(ValidationError):
        Turn(kind="answer", text="x")
    with pytest.raises(ValidationError):
        Turn(kind="fallback", text="x", article_id="a")
    with pytest.raises(ValidationError):
        Turn(kind="handoff", text="x")


def test_summary_quotes_the_first_and_last_messages_with_the_reason() -> None:
    text = summary(["Hi", "  ", "my order\nis   late", "Where is it?"], "asked for a human")
    assert text == (
        'Handoff: asked for a human. The person wrote 3 messages. First: "Hi". Last: "Where is it?".'
    )


def test_summary_of_one_message_and_of_none() -> None:
    assert summary(["Hello"], "2 answers without confidence") == (
        'Handoff: 2 answers without confidence. The person wrote 1 message: "Hello".'
    )
    assert summary([]) == "Handoff. The person has written nothing yet."


def test_summary_cuts_long_messages() -> None:
    text = summary(["x" * 500, "y" * 10])
    first = text.split('First: "')[1].split('"')[0]
    assert len(first) == SUMMARY_QUOTE_LENGTH
    assert first.endswith("…")
    assert summary(["x" * 500]) == summary(["x" * 500])
