"""Ranking an app's articles for a message, and how confident the best match is."""

from __future__ import annotations

import pytest
from aiagent.brain.knowledge import KnowledgeBase, normalise, words
from aiagent.brain.schemas import Article

ARTICLES = (
    Article(id="password", question="How do I reset my password?", answer="Open Settings, then Security."),
    Article(id="shipping", question="How long does shipping take?", answer="Orders arrive in 3 to 5 days."),
    Article(id="refund", question="Can I get a refund?", answer="Yes, within 30 days, from your orders."),
    Article(id="team", question="Où trouver mon équipe ?", answer="Dans le menu Équipes."),
)


@pytest.fixture
def kb() -> KnowledgeBase:
    return KnowledgeBase(ARTICLES)


def test_normalising_drops_accents_and_case() -> None:
    assert normalise("Équipe ÇA Straße") == "equipe ca strasse"
    assert words("Où, trouver: l'ÉQUIPE?") == ["ou", "trouver", "l", "equipe"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how do i reset my PASSWORD", "password"),
        ("shipping time?", "shipping"),
        ("I want my money back, a refund", "refund"),
        ("ou trouver mon EQUIPE", "team"),
        ("Où TROUVER mon équipe", "team"),
    ],
)
def test_the_right_article_ranks_first(kb: KnowledgeBase, text: str, expected: str) -> None:
    hits = kb.search(text, k=3)
    assert hits[0][0].id == expected
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


def test_search_returns_at_most_k_articles_that_share_a_word(kb: KnowledgeBase) -> None:
    assert len(kb.search("how long until my password refund shipping", k=2)) == 2
    assert kb.search("what is the weather like", k=3) == []


def test_confidence_orders_exact_paraphrase_unrelated(kb: KnowledgeBase) -> None:
    exact = kb.best("How do I reset my password?")
    paraphrase = kb.best("I forgot my password")
    assert exact is not None and paraphrase is not None
    assert exact.article.id == paraphrase.article.id == "password"
    assert exact.confidence == pytest.approx(1.0)
    assert 0.0 < paraphrase.confidence < exact.confidence
    assert kb.best("what is the weather like") is None


def test_every_article_is_fully_confident_for_its_own_question(kb: KnowledgeBase) -> None:
    for article in ARTICLES:
        match = kb.best(article.question.upper())
        assert match is not None
        assert match.article == article
        assert match.confidence == pytest.approx(1.0)


def test_confidence_is_capped_at_one(kb: KnowledgeBase) -> None:
    match = kb.best("reset password reset password settings security reset")
    assert match is not None
    assert match.confidence == 1.0


def test_only_stop_words_match_nothing(kb: KnowledgeBase) -> None:
    assert kb.best("how do I, can I?") is None


def test_an_empty_knowledge_base_finds_nothing() -> None:
    kb = KnowledgeBase([])
    assert kb.search("reset my password") == []
    assert kb.best("reset my password") is None
