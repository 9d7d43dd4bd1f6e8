"""Pure rules of interaction counting: what counts, the window a request names, and adding up the
counts of the messages still stored and of those erased with their chats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from ..errors import InvalidWindow
from .schemas import Period, PeriodCount

COUNTED = ("person", "ai", "agent")
"""Author types whose messages are interactions (a system line in the history is not one)."""
LONGEST = {"day": timedelta(days=366), "month": timedelta(days=3660)}
FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m"}


def window(
    period: Period, start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The window to count: by default the current month (``month`` periods: the last 12 months);
    a window that is empty, reversed or longer than a year of days (ten of months) is refused."""
    end = (end or now).astimezone(UTC)
    if start is None:
        first_of_month = end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        start = first_of_month if period == "day" else first_of_month.replace(year=first_of_month.year - 1)
    start = start.astimezone(UTC)
    if start >= end or end - start > LONGEST[period]:
        raise InvalidWindow()
    return start, end


def merged(*parts: Iterable[PeriodCount]) -> list[PeriodCount]:
    """The counts of ``parts`` added up per period, oldest first; periods without any left out."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    for part in parts:
        for count in part:
            for author in COUNTED:
                totals[count.period][author] += getattr(count, author)
    return [
        PeriodCount(
            period=period, person=by["person"], ai=by["ai"], agent=by["agent"], total=sum(by.values())
        )
        for period, by in sorted(totals.items())
        if sum(by.values())
    ]
