"""The assignment workflow against in-memory storage: claims, lost claims, the queue and releases."""

from __future__ import annotations

from typing import Any

from assignment.assigning.schemas import Announcement, ChatAssignment, ChatHandoff
from assignment.assigning.use_cases import Assigner
from assignment.routing.schemas import Decision, Handoff
from livechat_shared.contracts import TeamspaceSettings

from .conftest import FakeAssignments, FakeLoads, FakeLog, FakePool

LIMIT_2 = TeamspaceSettings(max_auto_chats=2)


def chat(chat_id: str, **targets: list[str]) -> ChatHandoff:
    return ChatHandoff(chat_id=chat_id, workspace_id="W1", handoff=Handoff(teamspace_id="TS1", **targets))


async def test_a_chat_goes_to_the_balanced_pick_and_the_decision_is_logged(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, log: FakeLog
) -> None:
    loads.chats["ann"] = ["c0"]

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2)

    assert (placed.state, placed.assignee_id) == ("assigned", "bob")
    assert loads.chats["bob"] == ["c1"]
    [decision] = log.of("c1")
    assert decision.user_id == "bob" and decision.reason.startswith("balanced: bob has 0 open chats")


async def test_a_lost_claim_decides_again_without_that_agent(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, log: FakeLog
) -> None:
    loads.chats["ann"] = ["x1", "x2"]  # filled by another replica after the pool was read
    pool.stale = True

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2)

    assert (placed.state, placed.assignee_id) == ("assigned", "bob")
    assert loads.chats["ann"] == ["x1", "x2"]
    [decision] = log.of("c1")
    assert decision.user_id == "bob" and "after lost claims: ann" in decision.reason


async def test_when_every_claim_is_lost_the_chat_waits_after_a_bounded_number_of_tries(
    loads: FakeLoads, assignments: FakeAssignments, log: FakeLog, pool: FakePool, assigner: Assigner
) -> None:
    loads.chats = {"ann": ["x1", "x2"], "bob": ["x3", "x4"]}
    pool.stale = True
    assigner.max_attempts = 3

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2)

    assert placed.state == "pending" and placed.assignee_id is None
    assert loads.claims == 2  # ann, then bob; then nobody is left to decide on
    [decision] = log.of("c1")
    assert decision.user_id is None and "after lost claims: ann, bob" in decision.reason


async def test_the_tries_are_bounded(loads: FakeLoads, log: FakeLog, assigner: Assigner) -> None:
    many = FakePool(loads, [f"a{i}" for i in range(10)])
    loads.chats = {f"a{i}": ["x", "y"] for i in range(10)}
    many.stale = True
    assigner.max_attempts = 3

    placed = await assigner.assign(chat("c1"), many, LIMIT_2)

    assert placed.state == "pending" and loads.claims == 3
    [decision] = log.of("c1")
    assert decision.user_id is None and decision.reason.startswith("3 claims lost")


async def test_nobody_eligible_leaves_the_chat_pending_with_the_reason_logged(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, log: FakeLog
) -> None:
    loads.chats = {"ann": ["x1", "x2"], "bob": ["x3", "x4"]}

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2)

    assert placed.state == "pending" and loads.claims == 0
    [decision] = log.of("c1")
    assert decision.user_id is None and decision.reason == "nobody eligible: 2 agents at the teamspace limit"


async def test_the_same_chat_handed_off_twice_is_one_entry_and_one_claim(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, assignments: FakeAssignments, log: FakeLog
) -> None:
    first = await assigner.assign(chat("c1"), pool, LIMIT_2)
    again = await assigner.assign(chat("c1"), pool, LIMIT_2)

    assert first == again and list(assignments.items) == ["c1"] and assignments.seq == 1
    assert loads.claims == 1 and len(log.of("c1")) == 1


async def test_a_chat_assigned_elsewhere_meanwhile_gives_its_claim_back(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, assignments: FakeAssignments
) -> None:
    real_mark = assignments.mark_assigned

    async def raced(
        chat_id: str, agent_id: str, announce: Announcement | None = None, decision: Decision | None = None
    ) -> bool:
        await real_mark(chat_id, "someone-else")  # another replica assigned it first
        return await real_mark(chat_id, agent_id, announce, decision)

    assignments.mark_assigned = raced  # type: ignore[method-assign]

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2)

    assert (placed.state, placed.assignee_id) == ("assigned", "someone-else")
    assert loads.chats == {"ann": []}


async def test_a_chat_another_replica_gave_the_same_agent_keeps_the_claim(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, assignments: FakeAssignments
) -> None:
    real_mark = assignments.mark_assigned

    async def raced(
        chat_id: str, agent_id: str, announce: Announcement | None = None, decision: Decision | None = None
    ) -> bool:
        await real_mark(chat_id, agent_id)  # another replica, same decision, marked first
        return await real_mark(chat_id, agent_id, announce, decision)

    assignments.mark_assigned = raced  # type: ignore[method-assign]

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2)

    assert (placed.state, placed.assignee_id) == ("assigned", "ann")
    assert loads.chats == {"ann": ["c1"]}


async def test_voluntary_assigns_nobody(assigner: Assigner, pool: FakePool, log: FakeLog) -> None:
    placed = await assigner.assign(chat("c1"), pool, TeamspaceSettings(method="voluntary"))

    assert placed.state == "pending"
    assert [d.reason for d in log.of("c1")] == ["voluntary: waits to be claimed"]


async def test_release_frees_the_agents_capacity_once(
    assigner: Assigner, pool: FakePool, loads: FakeLoads
) -> None:
    await assigner.assign(chat("c1"), pool, LIMIT_2)

    released = await assigner.release("c1")
    again = await assigner.release("c1")

    assert released is not None and released.state == "released" and released.assignee_id is None
    assert again == released and loads.chats["ann"] == []
    assert await assigner.release("unknown") is None


async def test_a_released_chat_handed_off_again_queues_again(
    assigner: Assigner, pool: FakePool, assignments: FakeAssignments
) -> None:
    await assigner.assign(chat("c1"), pool, LIMIT_2)
    await assigner.release("c1")

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2)

    assert placed.state == "assigned" and placed.enqueued_seq == 2


async def fill(assigner: Assigner, pool: FakePool, count: int) -> list[str]:
    ids = [f"c{i:02}" for i in range(count)]
    for chat_id in ids:
        await assigner.assign(chat(chat_id), pool, LIMIT_2)
    return ids


async def test_drain_assigns_the_oldest_pending_chats_first_while_capacity_allows(
    assigner: Assigner, pool: FakePool, assignments: FakeAssignments
) -> None:
    ids = await fill(assigner, pool, 8)  # 4 assigned, 4 waiting
    assert [c.id for c in await assignments.oldest_pending("TS1", 10)] == ids[4:]

    await assigner.release(ids[0])
    await assigner.release(ids[1])
    assert await assigner.drain("TS1", pool, LIMIT_2) == 2

    assert [assignments.items[i].state for i in ids[4:]] == ["assigned", "assigned", "pending", "pending"]
    assert await assigner.drain("TS1", pool, LIMIT_2) == 0


async def test_drain_stops_reading_the_queue_when_nobody_has_room(
    assigner: Assigner, pool: FakePool, log: FakeLog
) -> None:
    ids = await fill(assigner, pool, 8)
    for waiting in ids[4:]:  # each waiting chat's decision is logged once, as it arrived
        [decision] = log.of(waiting)
        assert decision.user_id is None and decision.reason.startswith("nobody eligible")
    logged, calls = len(log.entries), pool.calls

    assert await assigner.drain("TS1", pool, LIMIT_2) == 0
    assert len(log.entries) == logged and pool.calls == calls + 1


async def test_drain_passes_an_older_chat_only_when_nobody_eligible_can_take_it(
    assigner: Assigner, pool: FakePool, assignments: FakeAssignments, loads: FakeLoads
) -> None:
    loads.chats = {"ann": ["x1", "x2"], "bob": ["x3", "x4"]}
    await assigner.assign(chat("for-ann", user_ids=["ann"]), pool, LIMIT_2)
    await assigner.assign(chat("anyone"), pool, LIMIT_2)
    await assigner.assign(chat("anyone-later"), pool, LIMIT_2)

    loads.chats["bob"] = ["x3"]  # bob has room; only ann may take the oldest chat
    assert await assigner.drain("TS1", pool, LIMIT_2) == 1

    assert assignments.items["for-ann"].state == "pending"
    assert (assignments.items["anyone"].state, assignments.items["anyone"].assignee_id) == ("assigned", "bob")
    assert assignments.items["anyone-later"].state == "pending"


async def test_a_new_chat_does_not_jump_older_waiting_chats(
    assigner: Assigner, pool: FakePool, assignments: FakeAssignments, loads: FakeLoads, log: FakeLog
) -> None:
    ids = await fill(assigner, pool, 6)  # 4 assigned, c04 and c05 waiting
    loads.chats["ann"].pop()  # capacity freed (say, by another replica) before anyone drained

    placed = await assigner.assign(chat("late"), pool, LIMIT_2)

    assert placed.state == "pending"
    assert assignments.items[ids[4]].state == "assigned"
    assert assignments.items[ids[5]].state == "pending"
    [decision] = log.of("late")
    assert decision.user_id is None and decision.reason.startswith("nobody eligible")


# --- a first handoff while nobody waits skips the queue ---


async def test_a_first_handoff_with_an_empty_queue_is_assigned_without_queueing(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, assignments: FakeAssignments, log: FakeLog
) -> None:
    loads.chats["ann"] = ["c0"]

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2, first=True)

    assert (placed.state, placed.assignee_id, placed.enqueued_seq) == ("assigned", "bob", 0)
    assert assignments.seq == 0  # no place in the queue was taken
    assert assignments.items["c1"].announce is not None
    [decision] = log.of("c1")
    assert decision.user_id == "bob"


async def test_a_first_handoff_waits_behind_older_chats(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, assignments: FakeAssignments
) -> None:
    await fill(assigner, pool, 4)  # ann and bob full (limit 2)
    older = await assigner.assign(chat("older"), pool, LIMIT_2, first=True)
    loads.chats["ann"].pop()  # room again, no drain yet

    placed = await assigner.assign(chat("younger"), pool, LIMIT_2, first=True)

    assert older.state == "pending"
    assert placed.state == "pending"  # the older chat got the room: it went first
    assert assignments.items["older"].assignee_id == "ann"


async def test_a_first_handoff_nobody_can_take_waits_with_one_logged_decision(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, log: FakeLog
) -> None:
    loads.chats.update(ann=["x1", "x2"], bob=["x3", "x4"])

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2, first=True)

    assert placed.state == "pending" and placed.enqueued_seq == 1
    [decision] = log.of("c1")
    assert decision.user_id is None


async def test_a_first_handoff_recorded_meanwhile_gives_its_claim_back(
    assigner: Assigner, pool: FakePool, loads: FakeLoads, assignments: FakeAssignments
) -> None:
    real_insert = assignments.insert_assigned

    async def raced(*args: Any, **kwargs: Any) -> ChatAssignment | None:
        await assignments.enqueue("W1", "c1", Handoff(teamspace_id="TS1"))  # another replica queued it
        return await real_insert(*args, **kwargs)

    assignments.insert_assigned = raced  # type: ignore[method-assign]

    placed = await assigner.assign(chat("c1"), pool, LIMIT_2, first=True)

    assert (placed.state, placed.assignee_id) == ("assigned", "ann")  # then routed from the queue
    assert loads.chats == {"ann": ["c1"]} and loads.claims == 2
