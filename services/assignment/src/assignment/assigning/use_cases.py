"""The assignment workflow, written once: queue the chat, let routing decide, claim the agent's
capacity atomically, mark the chat assigned, log the decision.

The candidates' loads are a hint for routing; the claim in the database is the authority. Several
replicas may run this for the same teamspace at once: a lost claim (the agent filled up meanwhile)
decides again without that agent, and a chat assigned by someone else meanwhile gives its claim back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol

from livechat_shared.contracts import TeamspaceSettings

from ..routing.rules import decide
from ..routing.schemas import Candidate, Decision, Handoff, RoutingState
from .rules import claim_limit, has_room
from .schemas import ChatAssignment, ChatHandoff


class CandidatePool(Protocol):
    """The port the caller fills: the teamspace's agents with their presence and current load."""

    async def candidates(self, teamspace_id: str) -> list[Candidate]: ...


class Loads(Protocol):
    async def claim(self, workspace_id: str, agent_id: str, chat_id: str, limit: int | None) -> bool: ...

    async def release(self, agent_id: str, chat_id: str) -> bool: ...


class Assignments(Protocol):
    async def enqueue(self, workspace_id: str, chat_id: str, handoff: Handoff) -> ChatAssignment: ...

    async def mark_assigned(self, chat_id: str, agent_id: str) -> bool: ...

    async def mark_released(self, chat_id: str, agent_id: str) -> bool: ...

    async def get(self, chat_id: str) -> ChatAssignment | None: ...

    async def oldest_pending(
        self, teamspace_id: str, limit: int, after_seq: int = 0
    ) -> list[ChatAssignment]: ...


class DecisionLog(Protocol):
    async def append(self, chat_id: str, decision: Decision) -> None: ...


class RoutingStates(Protocol):
    async def get(self, teamspace_id: str) -> RoutingState: ...

    async def put(self, teamspace_id: str, state: RoutingState) -> None: ...


@dataclass
class Assigner:
    loads: Loads
    assignments: Assignments
    log: DecisionLog
    states: RoutingStates
    rng: random.Random = field(default_factory=random.Random)
    max_attempts: int = 5
    """Claims one chat may lose (each to an agent who filled up meanwhile) before it waits."""
    batch: int = 50
    """Pending chats read at a time while draining."""

    async def assign(
        self, request: ChatHandoff, pool: CandidatePool, settings: TeamspaceSettings
    ) -> ChatAssignment:
        """Queue the handed-off chat (once, however often it is handed off) and assign it if an agent
        can take it. When older chats of the teamspace are waiting, the queue is drained instead, so
        this chat is served in its turn, never before them. Returns the chat as it is now."""
        chat = await self.assignments.enqueue(request.workspace_id, request.chat_id, request.handoff)
        if chat.state != "pending":
            return chat
        head = await self.assignments.oldest_pending(request.teamspace_id, 1)
        if head and head[0].id != chat.id and head[0].enqueued_seq < chat.enqueued_seq:
            _, decided = await self._drain(request.teamspace_id, pool, settings)
            if chat.id not in decided:  # the drain stopped before its turn: nobody has room
                await self._log_waiting(chat, await pool.candidates(request.teamspace_id), settings)
            return await self._current(chat)
        await self._place(chat, await pool.candidates(request.teamspace_id), pool, settings)
        return await self._current(chat)

    async def drain(self, teamspace_id: str, pool: CandidatePool, settings: TeamspaceSettings) -> int:
        """Assign the teamspace's pending chats, oldest first, while some agent has room; returns how
        many were assigned. A chat nobody eligible can take stays in its place and the next one is
        tried (its targets may differ): a younger chat only passes an older one nobody could take."""
        assigned, _ = await self._drain(teamspace_id, pool, settings)
        return assigned

    async def _drain(
        self, teamspace_id: str, pool: CandidatePool, settings: TeamspaceSettings
    ) -> tuple[int, set[str]]:
        """:meth:`drain`, also saying which chats it decided on."""
        assigned, after, decided = 0, 0, set[str]()
        while True:
            chats = await self.assignments.oldest_pending(teamspace_id, self.batch, after)
            if not chats:
                return assigned, decided
            for chat in chats:
                candidates = await pool.candidates(teamspace_id)
                if not has_room(candidates, chat.teamspace_id, settings):
                    return assigned, decided
                decided.add(chat.id)
                if await self._place(chat, candidates, pool, settings):
                    assigned += 1
                after = chat.enqueued_seq

    async def release(self, chat_id: str) -> ChatAssignment | None:
        """The assignee let the chat go (resolved, closed, transferred away): their capacity is free
        again. Idempotent. The caller drains the teamspace afterwards (the oldest waiting chat next)."""
        chat = await self.assignments.get(chat_id)
        if chat is None or chat.state != "assigned" or chat.assignee_id is None:
            return chat
        # The load first: a crash in between leaves the chat assigned, and the redelivered release
        # finishes (releasing the load again is a no-op); never an agent with a chat they do not count.
        await self.loads.release(chat.assignee_id, chat_id)
        await self.assignments.mark_released(chat_id, chat.assignee_id)
        return await self.assignments.get(chat_id)

    async def _place(
        self,
        chat: ChatAssignment,
        candidates: list[Candidate],
        pool: CandidatePool,
        settings: TeamspaceSettings,
    ) -> bool:
        """Decide, claim, mark, log: True when this call assigned the chat."""
        state = await self.states.get(chat.teamspace_id)
        lost: list[str] = []
        for attempt in range(max(1, self.max_attempts)):
            if attempt:
                candidates = await pool.candidates(chat.teamspace_id)
            offered = [c for c in candidates if c.user_id not in lost]
            decision = decide(offered, chat.handoff, settings, state, self.rng)
            if decision.user_id is None:
                await self.log.append(chat.id, _noting_lost(decision, lost))
                return False
            chosen = next(c for c in offered if c.user_id == decision.user_id)
            limit = claim_limit(chosen, settings)
            if not await self.loads.claim(chat.workspace_id, chosen.user_id, chat.id, limit):
                lost.append(chosen.user_id)
                continue
            if not await self.assignments.mark_assigned(chat.id, chosen.user_id):
                # Assigned by another replica meanwhile: give the capacity back, unless that replica
                # chose the same agent (then the claim is the one its assignment counts on).
                now = await self.assignments.get(chat.id)
                if now is None or now.assignee_id != chosen.user_id:
                    await self.loads.release(chosen.user_id, chat.id)
                return False
            await self.states.put(chat.teamspace_id, decision.next_state)
            await self.log.append(chat.id, _noting_lost(decision, lost))
            return True
        reason = f"{len(lost)} claims lost to agents who filled up meanwhile; waits in the queue"
        waiting = decision.model_copy(update={"user_id": None, "reason": reason, "next_state": state})
        await self.log.append(chat.id, waiting)
        return False

    async def _log_waiting(
        self, chat: ChatAssignment, candidates: list[Candidate], settings: TeamspaceSettings
    ) -> None:
        """Log why a chat queued behind older ones waits: routing's view of the candidates, with
        nobody chosen (whoever routing would pick goes to an older chat first)."""
        state = await self.states.get(chat.teamspace_id)
        decision = decide(candidates, chat.handoff, settings, state, self.rng)
        if decision.user_id is not None:
            reason = "waits its turn: older chats of the teamspace are waiting"
            decision = decision.model_copy(update={"user_id": None, "reason": reason, "next_state": state})
        await self.log.append(chat.id, decision)

    async def _current(self, chat: ChatAssignment) -> ChatAssignment:
        return await self.assignments.get(chat.id) or chat


def _noting_lost(decision: Decision, lost: list[str]) -> Decision:
    """The decision, its reason saying which agents' claims were lost before it (if any)."""
    if not lost:
        return decision
    return decision.model_copy(update={"reason": f"{decision.reason} (after lost claims: {', '.join(lost)})"})
