"""A chat's message statistics, folded one message at a time as the projection stores them: the
counts, the person's first message and the first answer after it — the same whatever order the
messages arrive in (the look-up the projection makes in the database is played here on the messages
stored so far)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from export.core.stats import MessageStats, ReplyLookup, response_seconds

T0 = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
Message = tuple[str, int, datetime]  # author type, seq, created_at


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def store(messages: list[Message]) -> MessageStats:
    """Fold ``messages`` in the order given, as the projection does: a look-up is answered from the
    messages stored before (the first agent or AI message in the range, by ``seq``)."""
    stats = MessageStats()
    stored: list[Message] = []
    for kind, seq, created in messages:
        lookup = stats.add(kind, seq, created)
        if lookup is not None:
            answers = sorted(
                (s, c)
                for k, s, c in stored
                if k in ("agent", "ai") and s > lookup.after and (lookup.before is None or s < lookup.before)
            )
            if answers:
                stats.answered(*answers[0])
        stored.append((kind, seq, created))
    return stats


CHAT: list[Message] = [
    ("ai", 1, at(0)),  # a greeting before the person wrote: not an answer
    ("person", 2, at(10)),
    ("system", 3, at(20)),
    ("person", 4, at(30)),
    ("agent", 5, at(72.5)),
    ("ai", 6, at(80)),
]


def test_message_counts_and_the_first_response() -> None:
    stats = store(CHAT)
    assert (stats.total, stats.by_person, stats.by_agents, stats.by_ai) == (6, 2, 1, 2)
    assert (stats.first_person_seq, stats.first_reply_seq, stats.last_seq) == (2, 5, 6)
    assert stats.first_response_seconds == 62.5
    assert response_seconds(stats.to_doc()) == 62.5
    assert MessageStats.from_doc(stats.to_doc()) == stats


def test_no_response_yet_is_unknown() -> None:
    assert store([("person", 1, T0)]).first_response_seconds is None
    assert store([("agent", 1, T0), ("ai", 2, T0)]).first_response_seconds is None  # nobody asked
    assert MessageStats().first_response_seconds is None
    assert MessageStats.from_doc(None) == MessageStats()
    assert response_seconds(None) is None and response_seconds({}) is None


def test_the_figures_do_not_depend_on_the_order_the_messages_arrive_in() -> None:
    expected = store(CHAT)
    for order in itertools.permutations(CHAT):  # 720 orders
        assert store(list(order)) == expected, order


def test_random_chats_in_random_orders_match_the_chat_read_in_order() -> None:
    rng = random.Random(3)
    for _ in range(300):
        kinds = [rng.choice(["person", "agent", "ai", "system"]) for _ in range(rng.randint(1, 9))]
        chat = [(kind, seq, at(seq * 7)) for seq, kind in enumerate(kinds, start=1)]
        in_order = store(chat)
        shuffled = chat[:]
        rng.shuffle(shuffled)
        assert store(shuffled) == in_order, (chat, shuffled)


def test_a_look_up_is_asked_only_when_an_answer_may_be_stored_already() -> None:
    stats = MessageStats()
    assert stats.add("ai", 1, T0) is None
    assert stats.add("person", 2, at(5)) is None  # nothing stored after it
    assert stats.add("agent", 4, at(9)) is None
    assert (stats.first_reply_seq, stats.first_response_seconds) == (4, 4.0)
    assert stats.add("person", 3, at(7)) is None  # not the first person message: nothing changes
    # the person's real first message arrives last: answers between it and seq 4 must be looked up
    assert stats.add("person", 0, at(-5)) == ReplyLookup(after=0, before=4)
    stats.answered(1, T0)
    assert (stats.first_person_seq, stats.first_reply_seq, stats.first_response_seconds) == (0, 1, 5.0)


def test_an_answer_given_before_it_was_asked_counts_nothing() -> None:
    stats = store([("person", 2, at(10)), ("agent", 1, at(30))])  # seq says the agent wrote first
    assert stats.first_response_seconds is None
    clock_skew = store([("person", 1, at(10)), ("agent", 2, at(9))])  # answered "before" by the clock
    assert clock_skew.first_response_seconds == 0.0
