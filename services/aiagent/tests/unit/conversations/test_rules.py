"""The conversation's pure rules: ratings, handoff triggers, what is remembered, the limit notice."""

from __future__ import annotations

import pytest
from aiagent.brain.rules import ASKED_FOR_A_HUMAN, without_confidence
from aiagent.conversations.rules import SAID_KEPT, limit_notice, parse_rating, remember, trigger_for


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4", 4),
        (" 1 ", 1),
        ("5", 5),
        ("4/5", 4),
        ("4 / 5", 4),
        ("3 out of 5", 3),
        ("2 of 5", 2),
        ("4 stars", 4),
        ("1 star", 1),
        ("4 STARS", 4),
        ("5!", 5),
        ("3.", 3),
        ("0", None),
        ("6", None),
        ("45", None),
        ("10", None),
        ("4/10", None),
        ("4/50", None),
        ("-4", None),
        ("4.5", None),
        ("four", None),
        ("I'd say 4", None),
        ("4 and 5", None),
        ("4 stars, great", None),
        ("", None),
        ("great", None),
        ("٤", None),  # another script's digit is not a rating
    ],
)
def test_parse_rating(text: str, score: int | None) -> None:
    assert parse_rating(text) == score


def test_triggers_for_the_brains_reasons() -> None:
    assert trigger_for(ASKED_FOR_A_HUMAN) == "keyword"
    assert trigger_for(without_confidence(3)) == "low_confidence"


def test_remembers_the_first_and_the_last_messages() -> None:
    said, count = [], 0
    for n in range(25):
        said, count = remember(said, count, f"message {n}")
    assert count == 25 and len(said) == SAID_KEPT
    assert said[0] == "message 0" and said[1:] == [f"message {n}" for n in range(25 - SAID_KEPT + 1, 25)]
    assert len(remember([], 0, "x" * 5000)[0][0]) == 1000


def test_limit_notice() -> None:
    assert limit_notice(100) == (
        "The AI agent stopped answering: the workspace reached its limit of 100 AI interactions this month."
    )
