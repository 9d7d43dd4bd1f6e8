"""The four assignment methods on their own: each picks only from the eligible agents it is given."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from assignment.routing.rules import (
    STRATEGIES,
    Balanced,
    PickState,
    RandomPick,
    RoundRobin,
    Voluntary,
    online_order,
)
from assignment.routing.schemas import Candidate, RoutingState
from livechat_shared.contracts import AssignmentMethod

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def agent(user_id: str, *, online_minute: int | None = 0, open_chats: int = 0) -> Candidate:
    """An online agent who came online ``online_minute`` minutes after nine (``None``: not online)."""
    return Candidate(
        user_id=user_id,
        name=user_id.title(),
        presence="online" if online_minute is not None else "offline",
        online_since=None if online_minute is None else T0 + timedelta(minutes=online_minute),
        open_chats=open_chats,
    )


def state(last: Candidate | None = None, seed: int = 0) -> PickState:
    memory = (
        RoutingState()
        if last is None
        else RoutingState(last_user_id=last.user_id, last_online_since=last.online_since)
    )
    return PickState(memory, random.Random(seed))


def test_the_table_has_a_strategy_for_every_method() -> None:
    assert set(STRATEGIES) == {"balanced", "round_robin", "random", "voluntary"}
    assert isinstance(STRATEGIES["balanced"], Balanced)
    assert isinstance(STRATEGIES["round_robin"], RoundRobin)
    assert isinstance(STRATEGIES["random"], RandomPick)
    assert isinstance(STRATEGIES["voluntary"], Voluntary)


@pytest.mark.parametrize("method", sorted(STRATEGIES))
def test_nobody_is_picked_from_an_empty_pool(method: AssignmentMethod) -> None:
    assert STRATEGIES[method].pick([], state()) is None


@pytest.mark.parametrize("method", ["balanced", "round_robin", "random"])
def test_a_single_candidate_is_picked(method: AssignmentMethod) -> None:
    ana = agent("ana", open_chats=4)
    assert STRATEGIES[method].pick([ana], state()) == ana
    assert STRATEGIES[method].pick([ana], state(last=ana)) == ana


def test_online_order_puts_the_earliest_first_and_those_not_online_last() -> None:
    ana, bo, cy, dan = (
        agent("ana", online_minute=5),
        agent("bo", online_minute=1),
        agent("cy", online_minute=None),
        agent("dan", online_minute=5),
    )
    assert sorted([cy, dan, ana, bo], key=online_order) == [bo, ana, dan, cy]


# --- balanced ---------------------------------------------------------------------------------


def test_balanced_picks_the_fewest_open_chats() -> None:
    pool = [agent("ana", open_chats=3), agent("bo", open_chats=1), agent("cy", open_chats=2)]
    assert Balanced().pick(pool, state()) == pool[1]


def test_balanced_breaks_a_tie_by_who_came_online_first() -> None:
    early, late = agent("zoe", online_minute=1, open_chats=1), agent("ana", online_minute=7, open_chats=1)
    assert Balanced().pick([late, early], state()) == early
    assert Balanced().pick([early, late], state()) == early


def test_balanced_breaks_a_full_tie_by_user_id() -> None:
    pool = [agent("cy"), agent("ana"), agent("bo")]
    assert Balanced().pick(pool, state()) == pool[1]


def test_balanced_ignores_the_last_pick() -> None:
    ana, bo = agent("ana", open_chats=0), agent("bo", open_chats=2)
    assert Balanced().pick([ana, bo], state(last=ana)) == ana


@pytest.mark.parametrize("seed", range(20))
def test_balanced_keeps_the_spread_within_one_when_everyone_has_room(seed: int) -> None:
    """Many successive assignments: from equal loads the spread of open chats never exceeds 1; from
    any loads it never grows and, once within 1, stays there."""
    rng = random.Random(seed)
    size = rng.randint(1, 12)
    start = [0] * size if seed % 2 == 0 else [rng.randint(0, 15) for _ in range(size)]
    loads = {f"u{i:02}": load for i, load in enumerate(start)}
    minutes = {user_id: rng.randint(0, 120) for user_id in loads}
    spread = max(loads.values()) - min(loads.values())
    for _ in range(300):
        pool = [agent(u, online_minute=minutes[u], open_chats=n) for u, n in loads.items()]
        rng.shuffle(pool)
        chosen = Balanced().pick(pool, state())
        assert chosen is not None
        assert chosen.open_chats == min(loads.values())
        loads[chosen.user_id] += 1
        now = max(loads.values()) - min(loads.values())
        assert now <= max(spread, 1)
        spread = now
    assert spread <= 1


# --- round robin ------------------------------------------------------------------------------


def cycle(pool: list[Candidate], turns: int, last: Candidate | None = None) -> list[str]:
    picks = []
    for _ in range(turns):
        chosen = RoundRobin().pick(pool, state(last=last))
        assert chosen is not None
        picks.append(chosen.user_id)
        last = chosen
    return picks


def test_round_robin_starts_with_who_came_online_first() -> None:
    pool = [agent("ana", online_minute=9), agent("bo", online_minute=2), agent("cy", online_minute=5)]
    assert RoundRobin().pick(pool, state()) == pool[1]


def test_round_robin_cycles_in_online_order_whatever_the_order_given() -> None:
    pool = [agent("ana", online_minute=9), agent("bo", online_minute=2), agent("cy", online_minute=5)]
    assert cycle(pool, 7) == ["bo", "cy", "ana", "bo", "cy", "ana", "bo"]
    assert cycle(list(reversed(pool)), 4) == ["bo", "cy", "ana", "bo"]


def test_round_robin_ignores_open_chats() -> None:
    pool = [agent("ana", online_minute=1, open_chats=9), agent("bo", online_minute=2, open_chats=0)]
    assert cycle(pool, 3) == ["ana", "bo", "ana"]


def test_round_robin_goes_on_after_the_last_pick_went_offline() -> None:
    ana, bo, cy, dan = (agent(u, online_minute=m) for u, m in (("ana", 1), ("bo", 2), ("cy", 3), ("dan", 4)))
    # bo was picked, then went offline: the next is the one after bo's place, not the first again.
    assert RoundRobin().pick([ana, cy, dan], state(last=bo)) == cy
    # dan, the last in order, was picked and went offline: the cycle starts over.
    assert RoundRobin().pick([ana, bo, cy], state(last=dan)) == ana


def test_round_robin_puts_an_agent_who_came_back_online_at_the_end() -> None:
    ana, bo, cy = agent("ana", online_minute=1), agent("bo", online_minute=2), agent("cy", online_minute=3)
    back = agent("ana", online_minute=30)  # went offline after being picked, and came back
    assert RoundRobin().pick([back, bo, cy], state(last=ana)) == bo
    assert cycle([back, bo, cy], 4, last=ana) == ["bo", "cy", "ana", "bo"]


def test_round_robin_reaches_agents_not_online_last() -> None:
    """Without the availability check an agent not online may be eligible: they come last."""
    pool = [agent("ana", online_minute=None), agent("bo", online_minute=4), agent("cy", online_minute=None)]
    assert cycle(pool, 4) == ["bo", "ana", "cy", "bo"]


# --- random -----------------------------------------------------------------------------------


def test_random_is_repeatable_with_a_seed_whatever_the_order_given() -> None:
    pool = [agent(f"u{i}", online_minute=i) for i in range(6)]
    first = [RandomPick().pick(pool, state(seed=seed)) for seed in range(30)]
    again = [RandomPick().pick(list(reversed(pool)), state(seed=seed)) for seed in range(30)]
    assert first == again
    assert len({c.user_id for c in first if c is not None}) > 1


def test_random_only_ever_picks_from_the_eligible_and_reaches_them_all() -> None:
    pool = [agent(f"u{i}", online_minute=i) for i in range(4)]
    rng = random.Random(7)
    picks = [RandomPick().pick(pool, PickState(RoutingState(), rng)) for _ in range(400)]
    assert {c.user_id for c in picks if c is not None} == {"u0", "u1", "u2", "u3"}
    assert None not in picks


# --- voluntary --------------------------------------------------------------------------------


def test_voluntary_never_picks() -> None:
    pool = [agent("ana"), agent("bo", open_chats=3)]
    assert Voluntary().pick(pool, state()) is None
    assert Voluntary().explain(None, pool, state()) == "voluntary: waits to be claimed"
