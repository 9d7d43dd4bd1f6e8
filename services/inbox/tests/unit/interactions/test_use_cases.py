"""The interactions' use cases over an in-memory stand-in of their repository, which counts as the
real one does: stored messages to the instant, erased ones by the UTC hour they were sent in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from inbox.errors import SettingsForbidden
from inbox.interactions.rules import COUNTED
from inbox.interactions.schemas import PeriodCount
from inbox.interactions.use_cases import InteractionUseCases
from livechat_shared.auth import Principal, Role

WS = "ws-1"
ADMIN = Principal(user_id="u-admin", workspace_id=WS, role=Role.ADMIN)
AGENT = Principal(user_id="u-agent", workspace_id=WS, role=Role.AGENT, teams=frozenset({"t-1"}))
DAY = datetime(2026, 3, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)
TX: Any = object()
"""The deletion's transaction (its session)."""


@dataclass
class Stored:
    workspace_id: str
    chat_id: str
    at: datetime
    author: str


@dataclass
class FakeCounts:
    messages: list[Stored] = field(default_factory=list)
    erased_hours: dict[tuple[str, datetime, str], int] = field(default_factory=dict)
    kept_in: list[Any] = field(default_factory=list)

    async def stored(
        self, workspace_id: str, date_format: str, authors: Sequence[str], start: datetime, end: datetime
    ) -> list[PeriodCount]:
        return periods(
            (m.at.strftime(date_format), m.author, 1)
            for m in self.messages
            if m.workspace_id == workspace_id and start <= m.at < end and m.author in authors
        )

    async def erased(
        self, workspace_id: str, date_format: str, authors: Sequence[str], start: datetime, end: datetime
    ) -> list[PeriodCount]:
        return periods(
            (hour.strftime(date_format), author, n)
            for (ws, hour, author), n in self.erased_hours.items()
            if ws == workspace_id and start <= hour < end and author in authors
        )

    async def keep_erased(self, chat_id: str, authors: Sequence[str], session: Any) -> int:
        self.kept_in.append(session)
        kept = [m for m in self.messages if m.chat_id == chat_id and m.author in authors]
        for m in kept:
            key = (m.workspace_id, m.at.replace(minute=0, second=0, microsecond=0), m.author)
            self.erased_hours[key] = self.erased_hours.get(key, 0) + 1
        return len(kept)

    def erase(self, chat_id: str) -> None:
        """What the deletion does next, in the same transaction."""
        self.messages = [m for m in self.messages if m.chat_id != chat_id]


def periods(rows: Iterable[tuple[str, str, int]]) -> list[PeriodCount]:
    by: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    for period, author, n in rows:
        by[period][author] += n
    return [PeriodCount(period=p, total=sum(c.values()), **c) for p, c in sorted(by.items())]


def count(period: str, person: int = 0, ai: int = 0, agent: int = 0) -> PeriodCount:
    return PeriodCount(period=period, person=person, ai=ai, agent=agent, total=person + ai + agent)


async def delete(use_cases: InteractionUseCases, counts: FakeCounts, chat_id: str) -> int:
    kept = await use_cases.keep_erased(chat_id, session=TX)
    counts.erase(chat_id)
    return kept


@pytest.fixture
def counts() -> FakeCounts:
    at = DAY + timedelta(hours=9, minutes=10)
    return FakeCounts(
        messages=[
            Stored(WS, "chat-a", at, "person"),
            Stored(WS, "chat-a", at + timedelta(minutes=1), "ai"),
            Stored(WS, "chat-a", at + timedelta(minutes=2), "system"),  # a transfer line: no interaction
            Stored(WS, "chat-a", at + timedelta(minutes=3), "agent"),
            Stored(WS, "chat-b", at + timedelta(days=1), "person"),
            Stored("ws-2", "chat-c", at, "person"),  # another workspace
        ]
    )


async def test_deleting_chats_leaves_every_period_s_counts_as_they_were(counts: FakeCounts) -> None:
    use_cases = InteractionUseCases(counts)
    before = await use_cases.read(ADMIN, "day", DAY, DAY + 3 * timedelta(days=1))
    assert (before.items, before.total) == (
        [count("2026-03-10", person=1, ai=1, agent=1), count("2026-03-11", person=1)],
        4,
    )
    months = await use_cases.read(ADMIN, "month", DAY, DAY + 3 * timedelta(days=1))

    assert await delete(use_cases, counts, "chat-a") == 3  # the system line is not kept
    assert await delete(use_cases, counts, "chat-b") == 1
    assert await delete(use_cases, counts, "chat-b") == 0  # nothing left of it: nothing added
    assert counts.kept_in == [TX, TX, TX]  # each in the deletion's transaction

    after = await use_cases.read(ADMIN, "day", DAY, DAY + 3 * timedelta(days=1))
    assert (after.items, after.total) == (before.items, before.total)
    assert (await use_cases.read(ADMIN, "month", DAY, DAY + 3 * timedelta(days=1))).items == months.items
    other = await use_cases.read(
        ADMIN.model_copy(update={"workspace_id": "ws-2"}), "day", DAY, DAY + HOUR * 24
    )
    assert other.total == 1


async def test_a_window_split_within_an_hour_counts_stored_messages_exactly_and_erased_ones_by_the_hour(
    counts: FakeCounts,
) -> None:
    use_cases = InteractionUseCases(counts)
    split = DAY + timedelta(hours=9, minutes=12)  # after the person's 9:10 and the AI's 9:11 messages

    async def halves() -> tuple[int, int]:
        early = await use_cases.read(ADMIN, "day", DAY, split)
        late = await use_cases.read(ADMIN, "day", split, DAY + 24 * HOUR)
        return early.total, late.total

    assert await halves() == (2, 1)  # stored: each side of the split to the minute
    await delete(use_cases, counts, "chat-a")
    assert await halves() == (3, 0)  # erased: the 9 o'clock hour starts in the first one, whole
    starting_within = await use_cases.read(
        ADMIN, "day", DAY + 9 * HOUR + timedelta(minutes=5), DAY + 24 * HOUR
    )
    assert starting_within.total == 0  # an hour that starts before the window is not in it


async def test_interactions_are_for_those_with_the_settings_permission(counts: FakeCounts) -> None:
    with pytest.raises(SettingsForbidden):
        await InteractionUseCases(counts).read(AGENT, "day", None, None)
