"""Routing's use cases over in-memory fakes: the inbox's placements (waiting, held, done, stale),
voluntary claims, the decision log's readers, the away requeue and the sweep's republication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from assignment.assigning.schemas import ChatAssignment
from assignment.assigning.use_cases import Assigner, Routing
from assignment.errors import AlreadyClaimed, AtCapacity, ChatNotQueued, LogForbidden, NotEligible
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import ChatPlacementChangedV1, HandoffTarget, TeamspaceSettings

from .conftest import T0, FakeAssignments, FakeLoads, FakeLog, FakePool

WS, TS = "ws-1", "ts-1"


class Settings:
    def __init__(self) -> None:
        self.value = TeamspaceSettings(method="balanced", max_auto_chats=2, away_grace_seconds=60)

    async def of(self, workspace_id: str, teamspace_id: str) -> TeamspaceSettings:
        return self.value


class Told:
    def __init__(self) -> None:
        self.said: list[tuple[str, str, str]] = []

    async def announce(self, chat: ChatAssignment) -> None:
        assert chat.announce is not None
        self.said.append((chat.id, chat.announce.kind, chat.announce.agent_id))


@pytest.fixture
def told() -> Told:
    return Told()


@pytest.fixture
def routing(
    loads: FakeLoads,
    assignments: FakeAssignments,
    log: FakeLog,
    pool: FakePool,
    assigner: Assigner,
    told: Told,
) -> Routing:
    assigner.announcer = told
    pool.teams = {"team-a": TS}
    return Routing(
        assigner=assigner,
        queue=assignments,
        loads=loads,
        pool=pool,
        settings=Settings(),
        log=log,
        announcer=told,
    )


def placed(
    placement: str, version: int, assignee: str | None = None, **target: object
) -> ChatPlacementChangedV1:
    return ChatPlacementChangedV1(
        chat_version=version,
        teamspace_id=TS,
        placement=placement,  # type: ignore[arg-type]
        assignee_id=assignee,
        target=HandoffTarget(**target) if placement == "waiting" else None,  # type: ignore[arg-type]
        summary="wants a refund" if placement == "waiting" else None,
    )


def user(user_id: str, role: Role = Role.AGENT, teams: tuple[str, ...] = ("team-a",)) -> Principal:
    return Principal(user_id=user_id, workspace_id=WS, role=role, teams=frozenset(teams))


async def test_a_waiting_chat_is_assigned_and_the_inbox_is_told(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads, told: Told
) -> None:
    await routing.place(WS, "c1", placed("waiting", 3))

    chat = assignments.items["c1"]
    assert (chat.state, chat.assignee_id, chat.inbox_version, chat.summary) == (
        "assigned",
        "ann",
        3,
        "wants a refund",
    )
    assert told.said == [("c1", "assigned", "ann")]
    assert loads.chats["ann"] == ["c1"]


async def test_the_inbox_confirming_the_holder_clears_the_announcement(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads
) -> None:
    await routing.place(WS, "c1", placed("waiting", 3))
    await routing.place(WS, "c1", placed("held", 4, "ann"))

    chat = assignments.items["c1"]
    assert (chat.state, chat.assignee_id, chat.announce, chat.inbox_version) == ("assigned", "ann", None, 4)
    assert loads.open("ann") == 1  # counted once


async def test_a_stale_placement_changes_nothing(routing: Routing, assignments: FakeAssignments) -> None:
    await routing.place(WS, "c1", placed("waiting", 3))
    await routing.place(WS, "c1", placed("held", 4, "ann"))
    await routing.place(WS, "c1", placed("done", 2))

    assert assignments.items["c1"].state == "assigned"


async def test_a_takeover_moves_the_load_and_frees_room_for_the_oldest_waiting_chat(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads, told: Told
) -> None:
    loads.chats = {"ann": ["x1", "x2"], "bob": ["y1", "y2"]}  # both full (limit 2)
    await routing.place(WS, "c1", placed("waiting", 1))
    assert assignments.items["c1"].state == "pending"
    await routing.place(WS, "x1", placed("held", 5, "bob"))  # bob took over ann's chat (not known here)
    assert loads.open("bob") == 3  # the inbox decided: the takeover counts, beyond the limit
    await routing.place(WS, "x1", placed("done", 6))  # bob resolved it: room for the waiting chat?

    assert loads.open("bob") == 2
    assert assignments.items["c1"].state == "pending"  # bob is still at the limit
    await routing.place(WS, "y1", placed("held", 2, "bob"))
    await routing.place(WS, "y1", placed("done", 3))  # now bob has room
    assert (assignments.items["c1"].state, assignments.items["c1"].assignee_id) == ("assigned", "bob")
    assert ("c1", "assigned", "bob") in told.said


async def test_a_chat_transferred_to_a_team_leaves_its_holder_and_goes_to_a_member(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads, pool: FakePool
) -> None:
    await routing.place(WS, "c1", placed("held", 2, "ann"))
    await routing.place(WS, "c1", placed("waiting", 3, user_ids=["bob"]))

    assert loads.open("ann") == 0
    assert (assignments.items["c1"].state, assignments.items["c1"].assignee_id) == ("assigned", "bob")


async def test_a_closed_waiting_chat_leaves_the_queue(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads
) -> None:
    loads.chats = {"ann": ["x1", "x2"], "bob": ["y1", "y2"]}
    await routing.place(WS, "c1", placed("waiting", 1))
    await routing.place(WS, "c1", placed("done", 2))
    await routing.place(WS, "x1", placed("held", 1, "ann"))
    await routing.place(WS, "x1", placed("done", 2))

    assert assignments.items["c1"].state == "released"  # never assigned after it was closed


async def test_a_handoff_to_a_deleted_team_falls_back_to_everyone_visibly(
    routing: Routing, assignments: FakeAssignments, log: FakeLog
) -> None:
    await routing.place(WS, "c1", placed("waiting", 1, team_ids=["team-gone"]))

    assert assignments.items["c1"].state == "assigned"
    notes = [d.reason for d in log.of("c1")]
    assert "team-gone" in notes[0] and "every agent of the teamspace" in notes[0]


async def test_an_agent_away_past_the_grace_period_has_their_chats_requeued(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads, pool: FakePool, told: Told
) -> None:
    await routing.place(WS, "c1", placed("waiting", 1))
    await routing.place(WS, "c1", placed("held", 2, "ann"))
    pool.away["ann"] = ("away", T0)

    await routing.sweep(T0 + timedelta(seconds=59))
    assert assignments.items["c1"].state == "assigned"  # within the grace period
    await routing.sweep(T0 + timedelta(seconds=61))

    assert assignments.items["c1"].state == "released"
    assert loads.open("ann") == 0
    assert told.said[-1] == ("c1", "unassigned", "ann")
    await routing.place(WS, "c1", placed("waiting", 3))  # the inbox put it back in the queue
    assert assignments.items["c1"].assignee_id == "bob"  # ann is away: not eligible


async def test_the_sweep_tells_the_inbox_again_what_it_did_not_confirm(
    routing: Routing, assignments: FakeAssignments, told: Told
) -> None:
    await routing.place(WS, "c1", placed("waiting", 1))
    told.said.clear()
    announced = assignments.items["c1"].announce
    assert announced is not None

    await routing.sweep(announced.at + timedelta(seconds=1))
    assert told.said == []
    await routing.sweep(announced.at + timedelta(seconds=6))
    assert told.said == [("c1", "assigned", "ann")]


async def test_the_sweep_gives_back_a_claim_no_assignment_stands_behind(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads
) -> None:
    await routing.place(WS, "c1", placed("waiting", 1))  # ann holds c1, as recorded
    await loads.claim(WS, "bob", "c2", 5)  # a replica crashed after this claim, before its record
    routing.reconcile_every = timedelta(seconds=30)

    await routing.sweep(T0)
    assert loads.chats == {"ann": ["c1"], "bob": ["c2"]}  # seen once: could be a claim in flight
    await routing.sweep(T0 + timedelta(seconds=10))
    assert loads.chats["bob"] == ["c2"]  # not yet time to look again
    await routing.sweep(T0 + timedelta(seconds=31))

    assert loads.chats == {"ann": ["c1"], "bob": []}  # the orphan went back; the record's claim stays
    assert assignments.items["c1"].assignee_id == "ann"


async def test_a_claim_recorded_between_two_looks_is_kept(routing: Routing, loads: FakeLoads) -> None:
    await loads.claim(WS, "bob", "c2", 5)  # in flight at the first look
    await routing.sweep(T0)
    await routing.place(WS, "c2", placed("held", 2, "bob"))  # recorded before the second

    await routing.sweep(T0 + timedelta(seconds=31))

    assert loads.chats["bob"] == ["c2"]


async def test_a_deleted_chat_frees_its_agent_for_the_next_waiting_chat_and_is_forgotten(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads, log: FakeLog
) -> None:
    for index in range(4):  # ann and bob take two each: the limit is 2
        await routing.place(WS, f"c{index}", placed("waiting", 1))
    await routing.place(WS, "late", placed("waiting", 1))  # nobody has room now
    assert assignments.items["late"].state == "pending"
    gone = loads.chats["ann"][0]

    await routing.forget(WS, gone, TS)
    await routing.forget(WS, gone, TS)  # redelivered: nothing more happens

    assert gone not in assignments.items and log.of(gone) == []
    assert gone not in loads.chats["ann"]
    assert assignments.items["late"].assignee_id == "ann"  # the freed room went to the waiting chat
    await routing.forget(WS, "late", TS)  # a waiting chat deleted: simply forgotten
    assert "late" not in assignments.items and "late" not in loads.chats["ann"]


async def test_a_voluntary_claim_wins_once(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads, told: Told
) -> None:
    loads.chats = {"ann": ["x1", "x2"], "bob": ["y1", "y2"]}
    await routing.place(WS, "c1", placed("waiting", 1))

    claimed = await routing.claim(user("carl"), "c1")
    assert claimed.assignee_id == "carl"
    assert told.said[-1] == ("c1", "assigned", "carl")
    with pytest.raises(AlreadyClaimed):
        await routing.claim(user("dora"), "c1")
    with pytest.raises(ChatNotQueued):
        await routing.claim(user("dora"), "nope")


async def test_a_claim_needs_to_be_targeted_and_under_the_personal_limit(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads
) -> None:
    loads.chats = {"ann": ["x1", "x2"], "bob": ["y1", "y2"]}
    await routing.place(WS, "c1", placed("waiting", 1, user_ids=["bob"]))

    with pytest.raises(NotEligible):
        await routing.claim(user("carl"), "c1")
    loads.claim = _full  # type: ignore[method-assign]
    with pytest.raises(AtCapacity):
        await routing.claim(user("bob"), "c1")
    assert assignments.items["c1"].state == "pending"


async def _full(workspace_id: str, agent_id: str, chat_id: str, limit: int | None) -> bool:
    """A claim of an agent at their limit."""
    return False


async def test_the_queue_lists_what_the_user_may_claim_oldest_first(
    routing: Routing, assignments: FakeAssignments, loads: FakeLoads
) -> None:
    loads.chats = {"ann": ["x1", "x2"], "bob": ["y1", "y2"]}
    await routing.place(WS, "c1", placed("waiting", 1))
    await routing.place(WS, "c2", placed("waiting", 1, user_ids=["bob"]))
    await routing.place(WS, "c3", placed("waiting", 1, team_ids=["team-a"]))

    mine, total = await routing.waiting(user("carl"), 0, 10)
    assert ([c.chat_id for c in mine], total) == (["c1", "c3"], 2)
    everything, total = await routing.waiting(user("sue", Role.SUPERVISOR), 0, 10)
    assert total == 3 and [c.chat_id for c in everything] == ["c1", "c2", "c3"]


async def test_the_decision_log_is_for_supervisors_the_assignee_and_targets(routing: Routing) -> None:
    await routing.place(WS, "c1", placed("waiting", 1, user_ids=["ann"]))

    items, total = await routing.decisions(user("sue", Role.SUPERVISOR, ()), "c1", 0, 10)
    assert total == 1 and items[0].decision.user_id == "ann"
    assert (await routing.decisions(user("ann", teams=()), "c1", 0, 10))[1] == 1
    with pytest.raises(LogForbidden):
        await routing.decisions(user("outsider", teams=("team-z",)), "c1", 0, 10)
    with pytest.raises(ChatNotQueued):
        await routing.decisions(user("ann"), "unknown", 0, 10)
