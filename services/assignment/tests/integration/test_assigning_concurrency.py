"""The assignment workflow against the real database, run by three replicas at once: a burst of
handoffs never gives an agent more chats than their limit nor a chat to two agents, and the chats
left waiting are served oldest first when capacity frees."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from assignment.assigning.repository import (
    AgentLoadRepository,
    ChatAssignmentRepository,
    DecisionLogRepository,
    RoutingStateRepository,
)
from assignment.assigning.schemas import ChatHandoff
from assignment.assigning.use_cases import Assigner
from assignment.routing.schemas import Candidate, Handoff
from livechat_shared.contracts import TeamspaceSettings
from livechat_shared.ids import new_id
from livechat_shared.mongo import Mongo
from pymongo import AsyncMongoClient

AGENTS = [f"agent-{i:02}" for i in range(20)]
LIMIT = 5
CHATS = 1000
SETTINGS = TeamspaceSettings(method="balanced", max_auto_chats=LIMIT)
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class LivePool:
    """Every agent online, with their load as stored now (read through this replica's own client)."""

    def __init__(self, loads: AgentLoadRepository) -> None:
        self.loads = loads

    async def candidates(self, teamspace_id: str) -> list[Candidate]:
        counts = await self.loads.open_counts(AGENTS)
        return [
            Candidate(
                user_id=agent_id,
                presence="online",
                online_since=T0 + timedelta(seconds=i),
                open_chats=counts[agent_id],
            )
            for i, agent_id in enumerate(AGENTS)
        ]


@dataclass
class Replica:
    mongo: Mongo
    loads: AgentLoadRepository
    chats: ChatAssignmentRepository
    log: DecisionLogRepository
    assigner: Assigner
    pool: LivePool


def replica(url: str, database: str, seed: int) -> Replica:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    mongo = Mongo(client=client, db=client[database])
    loads, chats, log = (
        AgentLoadRepository(mongo),
        ChatAssignmentRepository(mongo),
        DecisionLogRepository(mongo),
    )
    assigner = Assigner(loads, chats, log, RoutingStateRepository(mongo), rng=random.Random(seed))
    return Replica(mongo, loads, chats, log, assigner, LivePool(loads))


@pytest.fixture
async def replicas(mongo_url: str) -> AsyncIterator[list[Replica]]:
    """Three replicas, each with its own client and repositories, on one fresh database (dropped)."""
    database = f"test_assigning_{new_id().lower()}"
    made = [replica(mongo_url, database, seed) for seed in range(3)]
    try:
        await made[0].mongo.create_indexes()
        yield made
    finally:
        await made[0].mongo.client.drop_database(database)
        for each in made:
            await each.mongo.close()


def handoff(index: int) -> ChatHandoff:
    return ChatHandoff(chat_id=f"chat-{index:04}", workspace_id="W1", handoff=Handoff(teamspace_id="TS1"))


async def stored(one: Replica) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """Each agent's stored chats, and each chat's assignment document."""
    loads = {d["_id"]: d for d in await one.loads.coll.find({}).to_list()}
    for load in loads.values():
        assert load["open"] == len(load["chats"]) == len(set(load["chats"]))
    chats = {d["_id"]: d for d in await one.chats.coll.find({}).to_list()}
    return {agent: load["chats"] for agent, load in loads.items()}, chats


def assert_consistent(held: dict[str, list[str]], chats: dict[str, dict[str, Any]]) -> None:
    """No agent over the limit, no chat held twice, and the loads and the assignments agree."""
    assert all(len(ids) <= LIMIT for ids in held.values())
    all_held = [chat_id for ids in held.values() for chat_id in ids]
    assert len(all_held) == len(set(all_held))
    assigned = {c["_id"]: c["assignee_id"] for c in chats.values() if c["state"] == "assigned"}
    assert assigned == {chat_id: agent for agent, ids in held.items() for chat_id in ids}


async def test_a_claim_holds_the_limit_is_idempotent_and_is_released_once(replicas: list[Replica]) -> None:
    loads = replicas[0].loads
    assert await loads.claim("W1", "ann", "c1", 2)  # the first chat creates the load
    assert await loads.claim("W1", "ann", "c1", 2)  # replayed: still one slot
    assert await loads.claim("W1", "ann", "c2", 2)
    assert not await loads.claim("W1", "ann", "c3", 2)
    assert not await loads.claim("W1", "bob", "c4", 0)  # a limit of 0 takes nothing
    assert await loads.claim("W1", "cy", "c5", None)  # no limit
    assert (await loads.open_counts(["ann", "bob", "cy"])) == {"ann": 2, "bob": 0, "cy": 1}
    assert await loads.release("ann", "c1") and not await loads.release("ann", "c1")
    load = await loads.get("ann")
    assert load is not None and (load.chats, load.open) == (["c2"], 1)
    assert sorted(await loads.holdings()) == [("ann", "c2"), ("cy", "c5")]


async def test_assignees_name_the_holder_of_assigned_chats_only(replicas: list[Replica]) -> None:
    chats = replicas[0].chats
    await chats.enqueue("W1", "c1", Handoff(teamspace_id="TS1"))
    await chats.enqueue("W1", "c2", Handoff(teamspace_id="TS1"))
    assert await chats.mark_assigned("c2", "ann")

    assert await chats.assignees(["c1", "c2", "c3"]) == {"c2": "ann"}


@pytest.mark.parametrize("first", [False, True], ids=["queued", "first-handoffs"])
async def test_a_burst_over_three_replicas_fills_every_agent_exactly_and_queues_the_rest_in_order(
    replicas: list[Replica], first: bool
) -> None:
    """``first``: as the inbox's placements of new chats arrive (a chat may skip an empty queue)."""
    started = time.monotonic()

    async def run(one: Replica, share: range) -> None:
        for index in share:
            await one.assigner.assign(handoff(index), one.pool, SETTINGS, first=first)

    await asyncio.gather(*(run(one, range(i, CHATS, 3)) for i, one in enumerate(replicas)))
    burst = time.monotonic() - started

    held, chats = await stored(replicas[0])
    assert len(chats) == CHATS
    states = [c["state"] for c in chats.values()]
    assert (states.count("assigned"), states.count("pending")) == (
        LIMIT * len(AGENTS),
        CHATS - LIMIT * len(AGENTS),
    )
    assert sorted(held) == AGENTS and all(len(ids) == LIMIT for ids in held.values())
    assert_consistent(held, chats)
    seqs = [c["enqueued_seq"] for c in chats.values() if c["state"] == "pending"]
    assert len(set(seqs)) == len(seqs) and min(seqs) > 0
    # Every chat's decision is logged; a waiting chat says why.
    waiting = next(c["_id"] for c in chats.values() if c["state"] == "pending")
    entries = await replicas[1].log.for_chat(waiting)  # several when drains of replicas crossed it
    assert entries and all(e.decision.user_id is None and e.decision.reason for e in entries)

    # Capacity frees: three agents each resolve two chats, on different replicas; then one drains.
    queue = [c.id for c in await replicas[0].chats.oldest_pending("TS1", CHATS)]
    assert len(queue) == CHATS - LIMIT * len(AGENTS)
    freed = [chat_id for agent in AGENTS[:3] for chat_id in held[agent][:2]]
    await asyncio.gather(*(replicas[i % 3].assigner.release(chat_id) for i, chat_id in enumerate(freed)))
    await asyncio.gather(*(replicas[i % 3].assigner.release(chat_id) for i, chat_id in enumerate(freed)))

    drained = await asyncio.gather(*(one.assigner.drain("TS1", one.pool, SETTINGS) for one in replicas))

    assert sum(drained) == len(freed)
    held, chats = await stored(replicas[2])
    assert_consistent(held, chats)
    assert [c for c in queue if chats[c]["state"] == "assigned"] == queue[: len(freed)]
    assert [c.id for c in await replicas[0].chats.oldest_pending("TS1", CHATS)] == queue[len(freed) :]
    assert all(chats[c]["state"] == "released" for c in freed)
    print(f"burst of {CHATS} handoffs over 3 replicas: {burst:.1f}s; total {time.monotonic() - started:.1f}s")
