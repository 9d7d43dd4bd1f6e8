"""In-memory fakes of assigning's storage and of the candidate pool, and an Assigner built on them.

The fakes keep the repositories' contracts: a claim wins only under the limit and once per chat, a
chat goes from pending to assigned once, the queue is ordered by a growing sequence.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from assignment.assigning.schemas import ChatAssignment
from assignment.assigning.use_cases import Assigner
from assignment.routing.schemas import Candidate, Decision, Handoff, RoutingState

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class FakeLoads:
    def __init__(self) -> None:
        self.chats: dict[str, list[str]] = {}
        self.claims = 0

    def open(self, agent_id: str) -> int:
        return len(self.chats.get(agent_id, []))

    async def claim(self, workspace_id: str, agent_id: str, chat_id: str, limit: int | None) -> bool:
        self.claims += 1
        held = self.chats.setdefault(agent_id, [])
        if chat_id in held:
            return True
        if limit is not None and len(held) >= limit:
            return False
        held.append(chat_id)
        return True

    async def release(self, agent_id: str, chat_id: str) -> bool:
        held = self.chats.get(agent_id, [])
        if chat_id not in held:
            return False
        held.remove(chat_id)
        return True


class FakeAssignments:
    def __init__(self) -> None:
        self.items: dict[str, ChatAssignment] = {}
        self.seq = 0

    async def enqueue(self, workspace_id: str, chat_id: str, handoff: Handoff) -> ChatAssignment:
        stored = self.items.get(chat_id)
        if stored is not None and stored.state != "released":
            return stored
        self.seq += 1
        self.items[chat_id] = ChatAssignment(
            id=chat_id,
            workspace_id=workspace_id,
            teamspace_id=handoff.teamspace_id,
            state="pending",
            enqueued_seq=self.seq,
            handoff=handoff,
        )
        return self.items[chat_id]

    def _move(self, chat_id: str, expected: str, **changes: object) -> bool:
        stored = self.items.get(chat_id)
        if stored is None or stored.state != expected:
            return False
        self.items[chat_id] = stored.model_copy(update=changes)
        return True

    async def mark_assigned(self, chat_id: str, agent_id: str) -> bool:
        return self._move(chat_id, "pending", state="assigned", assignee_id=agent_id)

    async def mark_released(self, chat_id: str, agent_id: str) -> bool:
        stored = self.items.get(chat_id)
        if stored is None or stored.assignee_id != agent_id:
            return False
        return self._move(chat_id, "assigned", state="released", assignee_id=None)

    async def get(self, chat_id: str) -> ChatAssignment | None:
        return self.items.get(chat_id)

    async def oldest_pending(self, teamspace_id: str, limit: int, after_seq: int = 0) -> list[ChatAssignment]:
        waiting = [
            c
            for c in self.items.values()
            if c.teamspace_id == teamspace_id and c.state == "pending" and c.enqueued_seq > after_seq
        ]
        return sorted(waiting, key=lambda c: c.enqueued_seq)[:limit]


class FakeLog:
    def __init__(self) -> None:
        self.entries: list[tuple[str, Decision]] = []

    async def append(self, chat_id: str, decision: Decision) -> None:
        self.entries.append((chat_id, decision))

    def of(self, chat_id: str) -> list[Decision]:
        return [d for c, d in self.entries if c == chat_id]


class FakeStates:
    def __init__(self) -> None:
        self.items: dict[str, RoutingState] = {}

    async def get(self, teamspace_id: str) -> RoutingState:
        return self.items.get(teamspace_id, RoutingState())

    async def put(self, teamspace_id: str, state: RoutingState) -> None:
        self.items[teamspace_id] = state


class FakePool:
    """Online agents in the order given; loads read from ``loads`` unless ``stale`` (then 0 for all,
    as a pool read before other replicas claimed)."""

    def __init__(self, loads: FakeLoads, agent_ids: list[str]) -> None:
        self.loads, self.agent_ids, self.stale = loads, agent_ids, False
        self.calls = 0

    async def candidates(self, teamspace_id: str) -> list[Candidate]:
        self.calls += 1
        return [
            Candidate(
                user_id=agent_id,
                presence="online",
                online_since=T0 + timedelta(minutes=minute),
                open_chats=0 if self.stale else self.loads.open(agent_id),
            )
            for minute, agent_id in enumerate(self.agent_ids)
        ]


@pytest.fixture
def loads() -> FakeLoads:
    return FakeLoads()


@pytest.fixture
def assignments() -> FakeAssignments:
    return FakeAssignments()


@pytest.fixture
def log() -> FakeLog:
    return FakeLog()


@pytest.fixture
def pool(loads: FakeLoads) -> FakePool:
    return FakePool(loads, ["ann", "bob"])


@pytest.fixture
def assigner(loads: FakeLoads, assignments: FakeAssignments, log: FakeLog) -> Assigner:
    return Assigner(loads=loads, assignments=assignments, log=log, states=FakeStates(), rng=random.Random(7))
