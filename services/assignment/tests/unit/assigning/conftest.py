"""In-memory fakes of assigning's storage and of the candidate pool, and an Assigner built on them.

The fakes keep the repositories' contracts: a claim wins only under the limit and once per chat, a
chat goes from pending to assigned once, the queue is ordered by a growing sequence.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from assignment.assigning.rules import targets
from assignment.assigning.schemas import Announcement, ChatAssignment, Claimer, LoggedDecision
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

    async def holdings(self) -> list[tuple[str, str]]:
        return [(agent, chat_id) for agent, held in self.chats.items() for chat_id in held]

    async def release(self, agent_id: str, chat_id: str) -> bool:
        held = self.chats.get(agent_id, [])
        if chat_id not in held:
            return False
        held.remove(chat_id)
        return True


class FakeLog:
    def __init__(self) -> None:
        self.entries: list[tuple[str, Decision]] = []

    async def append(self, chat_id: str, decision: Decision) -> None:
        self.entries.append((chat_id, decision))

    def of(self, chat_id: str) -> list[Decision]:
        return [d for c, d in self.entries if c == chat_id]

    async def for_chat(self, chat_id: str, limit: int = 50, skip: int = 0) -> list[LoggedDecision]:
        newest_first = [
            LoggedDecision(chat_id=chat_id, at=T0, decision=d) for d in reversed(self.of(chat_id))
        ]
        return newest_first[skip : skip + limit]

    async def count(self, chat_id: str) -> int:
        return len(self.of(chat_id))


class FakeAssignments:
    """Chats' assignments; their decisions go to ``log`` (the repository keeps them in the chat's
    document, written with the change they explain)."""

    def __init__(self, log: FakeLog | None = None) -> None:
        self.items: dict[str, ChatAssignment] = {}
        self.seq = 0
        self.log = log or FakeLog()

    def _note(self, chat_id: str, decisions: Sequence[Decision]) -> None:
        self.log.entries.extend((chat_id, d) for d in decisions)

    async def enqueue(
        self,
        workspace_id: str,
        chat_id: str,
        handoff: Handoff,
        inbox_version: int = 0,
        summary: str | None = None,
        notes: Sequence[Decision] = (),
    ) -> ChatAssignment:
        stored = self.items.get(chat_id)
        self._note(chat_id, notes)
        if stored is not None and stored.state == "pending" and inbox_version > stored.inbox_version:
            self.items[chat_id] = stored.model_copy(
                update={"handoff": handoff, "inbox_version": inbox_version}
            )
            return self.items[chat_id]
        if stored is not None and stored.state != "released":
            return stored
        self.seq += 1
        self.items[chat_id] = ChatAssignment(
            id=chat_id,
            workspace_id=workspace_id,
            teamspace_id=handoff.teamspace_id,
            state="pending",
            enqueued_seq=self.seq,
            enqueued_at=T0 + timedelta(seconds=self.seq),
            handoff=handoff,
            summary=summary,
            inbox_version=max(inbox_version, stored.inbox_version if stored else 0),
        )
        return self.items[chat_id]

    def _move(self, chat_id: str, expected: str, **changes: object) -> bool:
        stored = self.items.get(chat_id)
        if stored is None or stored.state != expected:
            return False
        self.items[chat_id] = stored.model_copy(update=changes)
        return True

    async def insert_assigned(
        self,
        workspace_id: str,
        chat_id: str,
        handoff: Handoff,
        agent_id: str,
        announce: Announcement,
        decisions: Sequence[Decision],
        inbox_version: int = 0,
        summary: str | None = None,
    ) -> ChatAssignment | None:
        if chat_id in self.items:
            return None
        self.items[chat_id] = ChatAssignment(
            id=chat_id,
            workspace_id=workspace_id,
            teamspace_id=handoff.teamspace_id,
            state="assigned",
            assignee_id=agent_id,
            enqueued_seq=0,
            handoff=handoff,
            summary=summary,
            inbox_version=inbox_version,
            announce=announce,
        )
        self._note(chat_id, decisions)
        return self.items[chat_id]

    async def mark_assigned(
        self,
        chat_id: str,
        agent_id: str,
        announce: Announcement | None = None,
        decision: Decision | None = None,
    ) -> bool:
        moved = self._move(chat_id, "pending", state="assigned", assignee_id=agent_id, announce=announce)
        if moved and decision is not None:
            self._note(chat_id, [decision])
        return moved

    def _noting(self, chat_id: str, inbox_version: int | None) -> dict[str, object]:
        stored = self.items[chat_id]
        return {} if inbox_version is None else {"inbox_version": max(stored.inbox_version, inbox_version)}

    async def mark_released(
        self,
        chat_id: str,
        agent_id: str,
        announce: Announcement | None = None,
        inbox_version: int | None = None,
    ) -> bool:
        stored = self.items.get(chat_id)
        if stored is None or stored.assignee_id != agent_id:
            return False
        changes = self._noting(chat_id, inbox_version)
        return self._move(
            chat_id, "assigned", state="released", assignee_id=None, announce=announce, **changes
        )

    async def cancel(self, chat_id: str, inbox_version: int | None = None) -> bool:
        if chat_id not in self.items:
            return False
        changes = self._noting(chat_id, inbox_version)
        return self._move(chat_id, "pending", state="released", announce=None, **changes)

    async def remove(self, chat_id: str) -> None:
        self.items.pop(chat_id, None)
        self.log.entries = [(c, d) for c, d in self.log.entries if c != chat_id]

    async def hold(self, workspace_id: str, teamspace_id: str, chat_id: str, agent_id: str) -> None:
        stored = self.items.get(chat_id) or ChatAssignment(
            id=chat_id,
            workspace_id=workspace_id,
            teamspace_id=teamspace_id,
            state="assigned",
            enqueued_seq=0,
            handoff=Handoff(teamspace_id=teamspace_id),
        )
        self.items[chat_id] = stored.model_copy(
            update={"state": "assigned", "assignee_id": agent_id, "announce": None}
        )

    async def confirm_holder(self, chat_id: str, agent_id: str, inbox_version: int) -> bool:
        stored = self.items.get(chat_id)
        if stored is None or (stored.state, stored.assignee_id) != ("assigned", agent_id):
            return False
        if stored.inbox_version >= inbox_version:
            return False
        self.items[chat_id] = stored.model_copy(update={"inbox_version": inbox_version, "announce": None})
        return True

    async def note_inbox(self, chat_id: str, inbox_version: int) -> None:
        stored = self.items.get(chat_id)
        if stored is not None:
            version = max(stored.inbox_version, inbox_version)
            self.items[chat_id] = stored.model_copy(update={"inbox_version": version, "announce": None})

    async def unannounced(self, before: datetime, limit: int = 100) -> list[ChatAssignment]:
        return [c for c in self.items.values() if c.announce is not None and c.announce.at < before][:limit]

    async def assigned_to(self, agent_ids: list[str]) -> list[ChatAssignment]:
        return [c for c in self.items.values() if c.state == "assigned" and c.assignee_id in agent_ids]

    async def assignees(self, chat_ids: list[str]) -> dict[str, str]:
        return {
            c.id: c.assignee_id
            for c in self.items.values()
            if c.id in chat_ids and c.state == "assigned" and c.assignee_id
        }

    async def pending_teamspaces(self) -> list[str]:
        return sorted({c.teamspace_id for c in self.items.values() if c.state == "pending"})

    async def queue_page(
        self, workspace_id: str, claimer: Claimer | None, skip: int, limit: int
    ) -> tuple[list[ChatAssignment], int]:
        waiting = [
            c
            for c in self.items.values()
            if c.workspace_id == workspace_id
            and c.state == "pending"
            and (claimer is None or targets(c.handoff, claimer))
        ]
        waiting.sort(key=lambda c: c.enqueued_seq)
        return waiting[skip : skip + limit], len(waiting)

    async def get(self, chat_id: str) -> ChatAssignment | None:
        return self.items.get(chat_id)

    async def oldest_pending(self, teamspace_id: str, limit: int, after_seq: int = 0) -> list[ChatAssignment]:
        waiting = [
            c
            for c in self.items.values()
            if c.teamspace_id == teamspace_id and c.state == "pending" and c.enqueued_seq > after_seq
        ]
        return sorted(waiting, key=lambda c: c.enqueued_seq)[:limit]


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
        self.teams: dict[str, str] = {}
        """team id -> its teamspace"""
        self.away: dict[str, tuple[str, datetime]] = {}
        """agent id -> (status, since)"""

    async def existing_teams(self, workspace_id: str, team_ids: list[str]) -> set[str]:
        return {t for t in team_ids if t in self.teams}

    async def teamspaces_of(self, team_ids: list[str]) -> list[str]:
        return sorted({self.teams[t] for t in team_ids if t in self.teams})

    async def away_holders(self) -> list[tuple[str, str, datetime]]:
        return [(a, status, since) for a, (status, since) in self.away.items() if self.loads.open(a)]

    async def candidates(self, teamspace_id: str) -> list[Candidate]:
        self.calls += 1
        return [
            Candidate(
                user_id=agent_id,
                presence="away" if agent_id in self.away else "online",
                online_since=T0 + timedelta(minutes=minute),
                open_chats=0 if self.stale else self.loads.open(agent_id),
            )
            for minute, agent_id in enumerate(self.agent_ids)
        ]


@pytest.fixture
def loads() -> FakeLoads:
    return FakeLoads()


@pytest.fixture
def assignments(log: FakeLog) -> FakeAssignments:
    return FakeAssignments(log)


@pytest.fixture
def log() -> FakeLog:
    return FakeLog()


@pytest.fixture
def pool(loads: FakeLoads) -> FakePool:
    return FakePool(loads, ["ann", "bob"])


@pytest.fixture
def assigner(loads: FakeLoads, assignments: FakeAssignments, log: FakeLog) -> Assigner:
    return Assigner(loads=loads, assignments=assignments, log=log, states=FakeStates(), rng=random.Random(7))
