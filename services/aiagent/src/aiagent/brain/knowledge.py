"""An app's articles, ranked for a message with BM25 (``bm25s``), and how confident a match is.

Text is normalised before it is indexed or searched: Unicode NFKD with the accents (combining
marks) dropped, case-folded, split into words (``\\w+``), English stop words removed — so "Réinitialiser
MOT de passe" and "reinitialiser mot de passe" are the same words. Each article is indexed as its
question followed by its answer.

Confidence (0..1) of the best article for a message: its BM25 score for the message divided by the
score it gets for its own question, capped at 1. Asking an article's question (in any case, with or
without accents) gives 1; a message that shares no word with any article gives 0; a paraphrase that
shares some of the question's words lands in between, weighted by how rare those words are in the
knowledge base. An article whose question has no searchable word never gets any confidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
from bm25s.stopwords import STOPWORDS_EN_PLUS

from .schemas import Article

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """``text`` without accents, case-folded: "Équipe" -> "equipe"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The normalised words of ``text``, in order, stop words included."""
    return _WORD.findall(normalise(text))


ENGLISH_STOPWORDS: frozenset[str] = frozenset(w for s in STOPWORDS_EN_PLUS for w in words(str(s)))


@dataclass(frozen=True)
class Match:
    article: Article
    score: float
    """The raw BM25 score (> 0)."""
    confidence: float
    """The score relative to the article's score for its own question, capped at 1."""


class KnowledgeBase:
    """The articles of one app, indexed once; searching does no I/O."""

    def __init__(self, articles: Sequence[Article], *, stopwords: Iterable[str] = ENGLISH_STOPWORDS) -> None:
        self.articles: tuple[Article, ...] = tuple(articles)
        self._stopwords = frozenset(stopwords)
        self._index: bm25s.BM25 | None = None
        self._own_scores: tuple[float, ...] = ()
        if self.articles:
            self._index = bm25s.BM25()
            corpus = [self.terms(f"{a.question}\n{a.answer}") for a in self.articles]
            self._index.index(corpus, show_progress=False)
            self._own_scores = tuple(
                self._scores(self.terms(a.question))[i] for i, a in enumerate(self.articles)
            )

    def terms(self, text: str) -> list[str]:
        """The searchable words of ``text``: normalised, without stop words."""
        return [w for w in words(text) if w not in self._stopwords]

    def _scores(self, terms: list[str]) -> list[float]:
        """Every article's BM25 score for ``terms`` (each distinct term counted once)."""
        if self._index is None:
            return []
        ids = self._index.get_tokens_ids(list(dict.fromkeys(terms)))
        if not ids:
            return [0.0] * len(self.articles)
        return [float(s) for s in self._index.get_scores_from_ids(ids)]

    def search(self, text: str, k: int = 3) -> list[tuple[Article, float]]:
        """The (at most ``k``) articles that share a word with ``text``, best BM25 score first;
        equal scores keep the articles' order."""
        scores = self._scores(self.terms(text))
        ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))
        return [(self.articles[i], scores[i]) for i in ranked[:k]]

    def confidence(self, article: Article, score: float) -> float:
        """How sure a ``score`` for ``article`` is, in 0..1 (see the module's description)."""
        own = self._own_scores[self.articles.index(article)]
        return min(1.0, score / own) if own > 0 else 0.0

    def best(self, text: str) -> Match | None:
        """The best article for ``text`` with its confidence; ``None`` when none shares a word."""
        hits = self.search(text, k=1)
        if not hits:
            return None
        article, score = hits[0]
        return Match(article, score, self.confidence(article, score))
