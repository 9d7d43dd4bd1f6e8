"""The pure rules behind ``GET /v1/interactions``: the window a request names, and adding up the
counts of the stored messages and of the erased ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from inbox.errors import InvalidWindow
from inbox.interactions.rules import merged, window
from inbox.interactions.schemas import PeriodCount

NOW = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)


def count(period: str, person: int = 0, ai: int = 0, agent: int = 0) -> PeriodCount:
    return PeriodCount(period=period, person=person, ai=ai, agent=agent, total=person + ai + agent)


def test_the_default_window_is_the_month_so_far_or_the_last_twelve_months() -> None:
    assert window("day", None, None, NOW) == (datetime(2026, 3, 1, tzinfo=UTC), NOW)
    assert window("month", None, None, NOW) == (datetime(2025, 3, 1, tzinfo=UTC), NOW)
    plus_one = timezone(timedelta(hours=1))
    start, _ = window("day", datetime(2026, 3, 10, 9, 15, tzinfo=plus_one), NOW, NOW)
    assert (start, start.tzinfo) == (datetime(2026, 3, 10, 8, 15, tzinfo=UTC), UTC)  # kept to the minute


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("day", NOW, NOW),  # empty
        ("day", NOW, NOW - timedelta(hours=1)),  # reversed
        ("day", NOW - timedelta(days=367), NOW),  # more than a year of days
        ("month", NOW - timedelta(days=3661), NOW),
    ],
)
def test_an_empty_reversed_or_too_long_window_is_refused(period: str, start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidWindow):
        window(period, start, end, NOW)  # type: ignore[arg-type]


def test_parts_are_added_up_per_period_and_author() -> None:
    stored = [count("2026-03", person=2), count("2026-04", ai=1)]
    erased = [count("2026-02", agent=1), count("2026-03", person=1, agent=3)]
    assert merged(stored, erased, []) == [
        count("2026-02", agent=1),
        count("2026-03", person=3, agent=3),
        count("2026-04", ai=1),
    ]
    assert merged([count("2026-03")]) == []  # a period without any is left out
    assert merged() == []
