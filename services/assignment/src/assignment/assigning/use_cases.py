"""The assignment workflow, written once: queue the chat, let routing decide, claim the agent's
capacity atomically, mark the chat assigned with its decision.

A chat handed off for the first time while nobody waits in its teamspace's queue skips the queue:
routing decides, the claim wins, and the chat's first record is written assigned (four commands in
all, the candidates' loads included). Anything else — a queue with chats in it, nobody with room, a
lost claim, a chat seen before — takes the queue.

The candidates' loads are a hint for routing; the claim in the database is the authority. Several
replicas may run this for the same teamspace at once: a lost claim (the agent filled up meanwhile)
decides again without that agent, and a chat assigned by someone else meanwhile gives its claim back.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from livechat_shared.auth import Principal
from livechat_shared.contracts import (
    AssignmentMethod,
    ChatPlacementChangedV1,
    HandoffTarget,
    TeamspaceSettings,
)
from livechat_shared.ids import utcnow

from ..errors import AlreadyClaimed, AtCapacity, ChatNotQueued, LogForbidden, NotEligible
from ..routing.rules import decide
from ..routing.schemas import Candidate, Decision, Handoff, RoutingState
from .rules import claim_limit, has_room, may_claim_any, may_read_log, resolve_target, targets
from .schemas import (
    Announcement,
    ChatAssignment,
    ChatHandoff,
    Claimer,
    ClaimResult,
    LoggedDecision,
    QueuedChat,
)


class CandidatePool(Protocol):
    """The port the caller fills: the teamspace's agents with their presence and current load."""

    async def candidates(self, teamspace_id: str) -> list[Candidate]: ...


class Loads(Protocol):
    async def claim(self, workspace_id: str, agent_id: str, chat_id: str, limit: int | None) -> bool: ...

    async def release(self, agent_id: str, chat_id: str) -> bool: ...


class HeldLoads(Loads, Protocol):
    async def holdings(self) -> list[tuple[str, str]]:
        """Every ``(agent id, chat id)`` counted in an agent's load."""
        ...


class Assignments(Protocol):
    async def enqueue(
        self,
        workspace_id: str,
        chat_id: str,
        handoff: Handoff,
        inbox_version: int = 0,
        summary: str | None = None,
        notes: Sequence[Decision] = (),
    ) -> ChatAssignment: ...

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
    ) -> ChatAssignment | None: ...

    async def mark_assigned(
        self,
        chat_id: str,
        agent_id: str,
        announce: Announcement | None = None,
        decision: Decision | None = None,
    ) -> bool: ...

    async def mark_released(
        self,
        chat_id: str,
        agent_id: str,
        announce: Announcement | None = None,
        inbox_version: int | None = None,
    ) -> bool: ...

    async def get(self, chat_id: str) -> ChatAssignment | None: ...

    async def oldest_pending(
        self, teamspace_id: str, limit: int, after_seq: int = 0
    ) -> list[ChatAssignment]: ...


class Announcer(Protocol):
    """Tells the inbox of a decision (publishes it); a decision it fails to tell is told again by the
    sweep, from the announcement stored with the decision."""

    async def announce(self, chat: ChatAssignment) -> None: ...


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
    announcer: Announcer | None = None
    rng: random.Random = field(default_factory=random.Random)
    max_attempts: int = 5
    """Claims one chat may lose (each to an agent who filled up meanwhile) before it waits."""
    batch: int = 50
    """Pending chats read at a time while draining."""
    _draining: set[str] = field(default_factory=set, init=False, repr=False)
    _again: set[str] = field(default_factory=set, init=False, repr=False)

    async def assign(
        self,
        request: ChatHandoff,
        pool: CandidatePool,
        settings: TeamspaceSettings,
        candidates: list[Candidate] | None = None,
        first: bool = False,
    ) -> ChatAssignment:
        """Queue the handed-off chat (once, however often it is handed off) and assign it if an agent
        can take it. When older chats of the teamspace are waiting, the queue is drained instead, so
        this chat is served in its turn, never before them. ``first``: the chat has no record here
        (its first handoff), so it may skip an empty queue. Returns the chat as it is now."""
        older_waiting = False  # known to have older chats waiting before this one is queued
        if first:
            older_waiting = bool(await self.assignments.oldest_pending(request.teamspace_id, 1))
            if not older_waiting:
                if candidates is None:
                    candidates = await pool.candidates(request.teamspace_id)
                given = await self._give_first(request, candidates, settings)
                if given is not None:
                    return given
        chat = await self.assignments.enqueue(
            request.workspace_id,
            request.chat_id,
            request.handoff,
            request.inbox_version,
            request.summary,
            request.notes,
        )
        if chat.state != "pending":
            return chat
        if not older_waiting:
            head = await self.assignments.oldest_pending(request.teamspace_id, 1)
            older_waiting = bool(head) and head[0].id != chat.id and head[0].enqueued_seq < chat.enqueued_seq
        if older_waiting:
            if candidates is not None and not has_room(candidates, chat.teamspace_id, settings):
                # Nobody has room: the chat waits its turn (freed capacity drains the queue).
                await self._log_waiting(chat, candidates, settings)
                return chat
            drained = await self._drain_once(request.teamspace_id, pool, settings)
            if drained is None:  # a drain of the teamspace runs in this process: it serves the chat
                return await self._current(chat)
            _, decided, candidates = drained
            if chat.id not in decided:  # the drain stopped before its turn: nobody has room
                await self._log_waiting(chat, candidates, settings)
            return await self._current(chat)
        if candidates is None:
            candidates = await pool.candidates(request.teamspace_id)
        await self._place(chat, candidates, pool, settings)
        return await self._current(chat)

    async def _give_first(
        self, request: ChatHandoff, candidates: list[Candidate], settings: TeamspaceSettings
    ) -> ChatAssignment | None:
        """Assign a chat with no record here, nobody waiting before it: decide, claim, and write its
        first record assigned. ``None``: nobody could take it, the claim was lost, or the chat got a
        record meanwhile — the queue decides then (a claim this call made is given back first)."""
        state = await self._state(request.teamspace_id, settings)
        decision = decide(candidates, request.handoff, settings, state, self.rng)
        if decision.user_id is None:
            return None
        chosen = next(c for c in candidates if c.user_id == decision.user_id)
        if not await self.loads.claim(
            request.workspace_id, chosen.user_id, request.chat_id, claim_limit(chosen, settings)
        ):
            return None
        announce = _assigned(chosen.user_id, decision)
        chat = await self.assignments.insert_assigned(
            request.workspace_id,
            request.chat_id,
            request.handoff,
            chosen.user_id,
            announce,
            [*request.notes, decision],
            request.inbox_version,
            request.summary,
        )
        if chat is None:
            now = await self.assignments.get(request.chat_id)
            if now is None or now.assignee_id != chosen.user_id:
                await self.loads.release(chosen.user_id, request.chat_id)
            return None
        await self._assigned(chat, decision)
        return chat

    async def _assigned(self, chat: ChatAssignment, decision: Decision) -> None:
        """After a chat was assigned: round robin's memory moves on, and the inbox is told."""
        if decision.method == "round_robin":
            await self.states.put(chat.teamspace_id, decision.next_state)
        if self.announcer is not None:
            await self.announcer.announce(chat)

    async def drain(self, teamspace_id: str, pool: CandidatePool, settings: TeamspaceSettings) -> int:
        """Assign the teamspace's pending chats, oldest first, while some agent has room; returns how
        many were assigned. A chat nobody eligible can take stays in its place and the next one is
        tried (its targets may differ): a younger chat only passes an older one nobody could take."""
        drained = await self._drain_once(teamspace_id, pool, settings)
        return 0 if drained is None else drained[0]

    async def _drain_once(
        self, teamspace_id: str, pool: CandidatePool, settings: TeamspaceSettings
    ) -> tuple[int, set[str], list[Candidate]] | None:
        """One drain of a teamspace at a time in this process: a drain asked for while one runs makes
        that one go over the queue again when it is done, and returns ``None`` at once. (Concurrent
        drains of one queue would all offer the same freed capacity to the same oldest chat: one
        claim wins, the others are lost work.)"""
        if teamspace_id in self._draining:
            self._again.add(teamspace_id)
            return None
        self._draining.add(teamspace_id)
        try:
            assigned, decided, candidates = 0, set[str](), list[Candidate]()
            while True:
                self._again.discard(teamspace_id)
                count, seen, candidates = await self._drain(teamspace_id, pool, settings)
                assigned, decided = assigned + count, decided | seen
                if teamspace_id not in self._again:
                    return assigned, decided, candidates
        finally:
            self._draining.discard(teamspace_id)

    async def _drain(
        self, teamspace_id: str, pool: CandidatePool, settings: TeamspaceSettings
    ) -> tuple[int, set[str], list[Candidate]]:
        """:meth:`drain`, also saying which chats it decided on, and the candidates as it left them.

        The candidates are read once per batch and their loads kept current here as chats are given
        (a hint: the claim in the database decides; a lost claim reads them again)."""
        assigned, after, decided = 0, 0, set[str]()
        candidates: list[Candidate] = []
        while True:
            chats = await self.assignments.oldest_pending(teamspace_id, self.batch, after)
            if not chats:
                return assigned, decided, candidates
            candidates = await pool.candidates(teamspace_id)
            for chat in chats:
                if not has_room(candidates, chat.teamspace_id, settings):
                    return assigned, decided, candidates
                decided.add(chat.id)
                chosen, contended = await self._place(chat, candidates, pool, settings)
                if chosen is None and contended:
                    # Its claims were lost to other drains and nobody is left: they fill the freed
                    # capacity in the queue's order; a younger chat must not pass this one.
                    return assigned, decided, candidates
                if chosen is not None:
                    assigned += 1
                    candidates = [
                        c.model_copy(update={"open_chats": c.open_chats + 1}) if c.user_id == chosen else c
                        for c in candidates
                    ]
                after = chat.enqueued_seq

    async def release(self, chat_id: str) -> ChatAssignment | None:
        """The assignee let the chat go (resolved, closed, transferred away): their capacity is free
        again. Idempotent. The caller drains the teamspace afterwards (the oldest waiting chat next)."""
        chat = await self.assignments.get(chat_id)
        if chat is None or chat.state != "assigned" or chat.assignee_id is None:
            return chat
        await self.release_held(chat)
        return await self.assignments.get(chat_id)

    async def release_held(self, chat: ChatAssignment, inbox_version: int | None = None) -> bool:
        """:meth:`release` of a chat just read as assigned (no second read); ``inbox_version``: the
        inbox's placement that released it, noted with the release. False when the chat was no longer
        assigned to that agent."""
        if chat.assignee_id is None:
            return False
        # The load first: a crash in between leaves the chat assigned, and the redelivered release
        # finishes (releasing the load again is a no-op); never an agent with a chat they do not count.
        await self.loads.release(chat.assignee_id, chat.id)
        return await self.assignments.mark_released(chat.id, chat.assignee_id, inbox_version=inbox_version)

    async def requeue(self, chat_id: str, reason: str) -> ChatAssignment | None:
        """Take the chat back from its assignee (away too long): their capacity is free, and the inbox
        is told to put the chat back in the queue (its next placement queues it here again)."""
        chat = await self.assignments.get(chat_id)
        if chat is None or chat.state != "assigned" or chat.assignee_id is None:
            return chat
        await self.loads.release(chat.assignee_id, chat_id)
        announce = Announcement(kind="unassigned", agent_id=chat.assignee_id, reason=reason, at=utcnow())
        if await self.assignments.mark_released(chat_id, chat.assignee_id, announce):
            await self._announce(chat_id)
        return await self.assignments.get(chat_id)

    async def _announce(self, chat_id: str) -> None:
        """Tell the inbox (best effort: the stored announcement is told again by the sweep)."""
        if self.announcer is None:
            return
        chat = await self.assignments.get(chat_id)
        if chat is not None and chat.announce is not None:
            await self.announcer.announce(chat)

    async def _place(
        self,
        chat: ChatAssignment,
        candidates: list[Candidate],
        pool: CandidatePool,
        settings: TeamspaceSettings,
    ) -> tuple[str | None, bool]:
        """Decide, claim, mark, log: the agent this call assigned the chat to (``None``: it did not),
        and whether claims were lost to agents filling up meanwhile (other drains at work)."""
        state = await self._state(chat.teamspace_id, settings)
        lost: list[str] = []
        for attempt in range(max(1, self.max_attempts)):
            if attempt:
                candidates = await pool.candidates(chat.teamspace_id)
            offered = [c for c in candidates if c.user_id not in lost]
            decision = decide(offered, chat.handoff, settings, state, self.rng)
            if decision.user_id is None:
                await self.log.append(chat.id, _noting_lost(decision, lost))
                return None, bool(lost)
            chosen = next(c for c in offered if c.user_id == decision.user_id)
            limit = claim_limit(chosen, settings)
            if not await self.loads.claim(chat.workspace_id, chosen.user_id, chat.id, limit):
                lost.append(chosen.user_id)
                continue
            decision = _noting_lost(decision, lost)
            announce = _assigned(chosen.user_id, decision)
            if not await self.assignments.mark_assigned(chat.id, chosen.user_id, announce, decision):
                # Assigned by another replica meanwhile: give the capacity back, unless that replica
                # chose the same agent (then the claim is the one its assignment counts on).
                now = await self.assignments.get(chat.id)
                if now is None or now.assignee_id != chosen.user_id:
                    await self.loads.release(chosen.user_id, chat.id)
                return None, False
            # as stored by mark_assigned: no need to read it back
            assigned = {"state": "assigned", "assignee_id": chosen.user_id, "announce": announce}
            await self._assigned(chat.model_copy(update=assigned), decision)
            return chosen.user_id, bool(lost)
        reason = f"{len(lost)} claims lost to agents who filled up meanwhile; waits in the queue"
        waiting = decision.model_copy(update={"user_id": None, "reason": reason, "next_state": state})
        await self.log.append(chat.id, waiting)
        return None, True

    async def _state(self, teamspace_id: str, settings: TeamspaceSettings) -> RoutingState:
        """The teamspace's routing memory: round robin's last pick (the other methods need none, and
        neither read nor write it)."""
        if settings.method != "round_robin":
            return RoutingState()
        return await self.states.get(teamspace_id)

    async def _log_waiting(
        self, chat: ChatAssignment, candidates: list[Candidate], settings: TeamspaceSettings
    ) -> None:
        """Log why a chat queued behind older ones waits: routing's view of the candidates, with
        nobody chosen (whoever routing would pick goes to an older chat first)."""
        state = await self._state(chat.teamspace_id, settings)
        decision = decide(candidates, chat.handoff, settings, state, self.rng)
        if decision.user_id is not None:
            reason = "waits its turn: older chats of the teamspace are waiting"
            decision = decision.model_copy(update={"user_id": None, "reason": reason, "next_state": state})
        await self.log.append(chat.id, decision)

    async def _current(self, chat: ChatAssignment) -> ChatAssignment:
        return await self.assignments.get(chat.id) or chat


def _assigned(agent_id: str, decision: Decision) -> Announcement:
    """The announcement of routing's decision to give a chat to the agent."""
    return Announcement(
        kind="assigned", agent_id=agent_id, method=decision.method, reason=decision.reason, at=utcnow()
    )


def _noting_lost(decision: Decision, lost: list[str]) -> Decision:
    """The decision, its reason saying which agents' claims were lost before it (if any)."""
    if not lost:
        return decision
    return decision.model_copy(update={"reason": f"{decision.reason} (after lost claims: {', '.join(lost)})"})


# --- the workflow driven by the inbox's placements, the sweep and the API -----------------------


class Queue(Assignments, Protocol):
    async def cancel(self, chat_id: str, inbox_version: int | None = None) -> bool: ...

    async def remove(self, chat_id: str) -> None:
        """Erase the chat's record and its decision log."""
        ...

    async def hold(self, workspace_id: str, teamspace_id: str, chat_id: str, agent_id: str) -> None: ...

    async def note_inbox(self, chat_id: str, inbox_version: int) -> None: ...

    async def confirm_holder(self, chat_id: str, agent_id: str, inbox_version: int) -> bool: ...

    async def unannounced(self, before: datetime, limit: int = 100) -> list[ChatAssignment]: ...

    async def assigned_to(self, agent_ids: list[str]) -> list[ChatAssignment]: ...

    async def pending_teamspaces(self) -> list[str]: ...

    async def assignees(self, chat_ids: list[str]) -> dict[str, str]:
        """The assignee of each of these chats that is assigned here."""
        ...

    async def queue_page(
        self, workspace_id: str, claimer: Claimer | None, skip: int, limit: int
    ) -> tuple[list[ChatAssignment], int]: ...


class Pool(CandidatePool, Protocol):
    async def existing_teams(self, teamspace_id: str, team_ids: list[str]) -> set[str]: ...

    async def teamspaces_of(self, team_ids: list[str]) -> list[str]: ...

    async def away_holders(self) -> list[tuple[str, str, datetime]]: ...


class SettingsSource(Protocol):
    async def of(self, workspace_id: str, teamspace_id: str) -> TeamspaceSettings: ...


class DecisionReader(DecisionLog, Protocol):
    async def for_chat(self, chat_id: str, limit: int = 50, skip: int = 0) -> list[LoggedDecision]: ...

    async def count(self, chat_id: str) -> int: ...


@dataclass
class Routing:
    """Routing's use cases: apply the inbox's placements, serve the queue (voluntary claims), sweep."""

    assigner: Assigner
    queue: Queue
    loads: HeldLoads
    pool: Pool
    settings: SettingsSource
    log: DecisionReader
    announcer: Announcer
    announce_after: timedelta = timedelta(seconds=5)
    """An announcement the inbox has not confirmed by then is published again."""
    reconcile_every: timedelta = timedelta(seconds=30)
    """How often the sweep looks for claims no assignment stands behind (see :meth:`reconcile`)."""
    _reconciled_at: datetime | None = field(default=None, init=False, repr=False)
    _suspects: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)

    async def place(self, workspace_id: str, chat_id: str, event: ChatPlacementChangedV1) -> None:
        """Apply the inbox's placement of a chat (older ones than the last applied are stale): a
        waiting chat is queued and routed, a held one counts against its holder's capacity, a done
        one frees it; freed capacity goes to the oldest waiting chat at once."""
        held_by = event.assignee_id if event.placement == "held" else None
        if held_by is not None and await self.queue.confirm_holder(chat_id, held_by, event.chat_version):
            return  # the usual answer to an assignment: the inbox applied it
        stored = await self.queue.get(chat_id)
        if stored is not None and event.chat_version <= stored.inbox_version:
            return
        freed = stored.assignee_id if stored is not None and stored.state == "assigned" else None
        if event.placement == "waiting":
            if stored is not None and freed is not None:
                await self.assigner.release_held(stored)
            await self._route(workspace_id, chat_id, event, first=stored is None)
        elif event.placement == "held" and event.assignee_id is not None:
            if freed == event.assignee_id:
                freed = None  # the inbox confirms the holder
            elif freed is not None:
                await self.loads.release(freed, chat_id)
            if freed is not None or stored is None or stored.state != "assigned":
                await self.loads.claim(workspace_id, event.assignee_id, chat_id, None)  # the inbox decided
                await self.queue.hold(workspace_id, event.teamspace_id, chat_id, event.assignee_id)
            await self.queue.note_inbox(chat_id, event.chat_version)
        else:
            noted = False
            if stored is not None and freed is not None:
                noted = await self.assigner.release_held(stored, event.chat_version)
            elif stored is not None and stored.state == "pending":
                noted = await self.queue.cancel(chat_id, event.chat_version)
            if stored is not None and not noted:
                await self.queue.note_inbox(chat_id, event.chat_version)
        if freed is not None:
            await self.drain(workspace_id, event.teamspace_id)

    async def forget(self, workspace_id: str, chat_id: str, teamspace_id: str) -> None:
        """The chat was deleted: its assignee's capacity is free (the next waiting chat gets it), and
        its record and decision log are erased. Idempotent."""
        stored = await self.queue.get(chat_id)
        if stored is None:
            return
        freed = stored.assignee_id if stored.state == "assigned" else None
        if freed is not None:
            await self.loads.release(freed, chat_id)  # first: a crash leaves the record to retry on
        await self.queue.remove(chat_id)
        if freed is not None:
            await self.drain(workspace_id, teamspace_id)

    async def _route(
        self, workspace_id: str, chat_id: str, event: ChatPlacementChangedV1, first: bool = False
    ) -> None:
        settings = await self.settings.of(workspace_id, event.teamspace_id)
        target = event.target or HandoffTarget()
        candidates = await self.pool.candidates(event.teamspace_id)
        known = {c.user_id for c in candidates}
        teams = (
            await self.pool.existing_teams(event.teamspace_id, target.team_ids) if target.team_ids else set()
        )
        handoff, note = resolve_target(event.teamspace_id, target, teams, known)
        request = ChatHandoff(
            chat_id=chat_id,
            workspace_id=workspace_id,
            handoff=handoff,
            inbox_version=event.chat_version,
            summary=event.summary,
            notes=[] if note is None else [_note(event.teamspace_id, settings, note)],
        )
        await self.assigner.assign(request, self.pool, settings, candidates, first=first)

    async def drain(self, workspace_id: str, teamspace_id: str) -> int:
        """Give the teamspace's waiting chats, oldest first, to agents with room."""
        settings = await self.settings.of(workspace_id, teamspace_id)
        return await self.assigner.drain(teamspace_id, self.pool, settings)

    async def drain_for(self, workspace_id: str, team_ids: list[str]) -> int:
        """Drain the teamspaces of these teams (an agent came online, a limit was raised)."""
        assigned = 0
        for teamspace_id in await self.pool.teamspaces_of(team_ids):
            assigned += await self.drain(workspace_id, teamspace_id)
        return assigned

    async def sweep(self, now: datetime) -> None:
        """What no event triggers: announcements the inbox has not confirmed, the chats of agents away
        past their teamspace's grace period, and every queue with room (capacity freed without an
        event, a replica that crashed mid-drain)."""
        for chat in await self.queue.unannounced(now - self.announce_after):
            await self.announcer.announce(chat)
        await self._requeue_away(now)
        if self._reconciled_at is None or now - self._reconciled_at >= self.reconcile_every:
            self._reconciled_at = now
            await self.reconcile()
        for teamspace_id in await self.queue.pending_teamspaces():
            pending = await self.queue.oldest_pending(teamspace_id, 1)
            if pending:
                await self.drain(pending[0].workspace_id, teamspace_id)

    async def reconcile(self) -> int:
        """Give back capacity claimed for a chat that was then never recorded as the agent's: a
        replica that crashed between a claim and the assignment it was for, whose redelivered handoff
        went to another agent. A claim is given back when it is found so twice in a row, a sweep
        interval apart (a claim in flight is recorded within milliseconds). Returns how many."""
        held = await self.loads.holdings()
        assignees = await self.queue.assignees(sorted({chat_id for _, chat_id in held}))
        orphans = {(agent, chat_id) for agent, chat_id in held if assignees.get(chat_id) != agent}
        released = 0
        for agent, chat_id in sorted(orphans & self._suspects):
            released += await self.loads.release(agent, chat_id)
        self._suspects = orphans - self._suspects
        return released

    async def _requeue_away(self, now: datetime) -> None:
        for agent_id, status, since in await self.pool.away_holders():
            for chat in await self.queue.assigned_to([agent_id]):
                grace = (await self.settings.of(chat.workspace_id, chat.teamspace_id)).away_grace_seconds
                if now - since >= timedelta(seconds=grace):
                    await self.assigner.requeue(chat.id, f"{agent_id} was {status} for more than {grace} s")

    # --- the API ---

    async def _claimer(self, user: Principal) -> Claimer:
        teams = sorted(user.teams)
        return Claimer(
            user_id=user.user_id, team_ids=teams, teamspace_ids=await self.pool.teamspaces_of(teams)
        )

    async def waiting(self, user: Principal, skip: int, limit: int) -> tuple[list[QueuedChat], int]:
        """The waiting chats the user may claim, oldest first (every one for who may claim any)."""
        claimer = None if may_claim_any(user) else await self._claimer(user)
        chats, total = await self.queue.queue_page(user.workspace_id, claimer, skip, limit)
        return [_queued(c) for c in chats], total

    async def claim(self, user: Principal, chat_id: str) -> ClaimResult:
        """Take a waiting chat (voluntary pick): 409 to the slower of two claimers."""
        chat = await self.queue.get(chat_id)
        if chat is None or chat.workspace_id != user.workspace_id:
            raise ChatNotQueued()
        if chat.state != "pending":
            raise AlreadyClaimed()
        if not may_claim_any(user) and not targets(chat.handoff, await self._claimer(user)):
            raise NotEligible()
        me = next(
            (c for c in await self.pool.candidates(chat.teamspace_id) if c.user_id == user.user_id), None
        )
        if not await self.loads.claim(
            chat.workspace_id, user.user_id, chat_id, None if me is None else me.max_chats
        ):
            raise AtCapacity()
        reason = f"voluntary: claimed by {user.name or user.user_id}"
        announce = Announcement(
            kind="assigned", agent_id=user.user_id, method="voluntary", reason=reason, at=utcnow()
        )
        settings = await self.settings.of(chat.workspace_id, chat.teamspace_id)
        decision = _note(chat.teamspace_id, settings, reason, user.user_id, "voluntary")
        if not await self.queue.mark_assigned(chat_id, user.user_id, announce, decision):
            await self.loads.release(user.user_id, chat_id)
            raise AlreadyClaimed()
        await self.announcer.announce(
            chat.model_copy(update={"state": "assigned", "assignee_id": user.user_id, "announce": announce})
        )
        return ClaimResult(chat_id=chat_id, assignee_id=user.user_id, teamspace_id=chat.teamspace_id)

    async def decisions(
        self, user: Principal, chat_id: str, skip: int, limit: int
    ) -> tuple[list[LoggedDecision], int]:
        """Every routing decision about the chat, newest first, and how many there are."""
        chat = await self.queue.get(chat_id)
        if chat is None or chat.workspace_id != user.workspace_id:
            raise ChatNotQueued()
        if not may_read_log(user, chat, await self._claimer(user)):
            raise LogForbidden()
        return await self.log.for_chat(chat_id, limit, skip), await self.log.count(chat_id)


def _note(
    teamspace_id: str,
    settings: TeamspaceSettings,
    reason: str,
    user_id: str | None = None,
    method: AssignmentMethod | None = None,
) -> Decision:
    """A decision-log entry that is not routing's choice among candidates (a claim, a fallback)."""
    return Decision(
        teamspace_id=teamspace_id,
        method=method or settings.method,
        user_id=user_id,
        reason=reason,
        considered=[],
        next_state=RoutingState(),
    )


def _queued(chat: ChatAssignment) -> QueuedChat:
    return QueuedChat(
        chat_id=chat.id,
        teamspace_id=chat.teamspace_id,
        position=chat.enqueued_seq,
        enqueued_at=chat.enqueued_at,
        target=chat.handoff,
        summary=chat.summary,
    )
