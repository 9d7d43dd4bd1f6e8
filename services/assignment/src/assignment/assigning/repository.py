"""Storage of assigning: agents' loads (``agent_loads``), chats' assignments and the pending queue
(``chat_assignments``, with its sequence in ``assignment_counters``), the decision log
(``assignment_decisions``) and each teamspace's routing memory (``routing_states``).

Every change that races is one conditional write with the expected state in its filter, so two
replicas can never both win: a claim of an agent's capacity, the move of a chat from pending to
assigned, its release.
"""

from __future__ import annotations

from typing import Any

from livechat_shared.ids import utcnow
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..routing.schemas import Decision, Handoff, RoutingState
from .schemas import AgentLoad, ChatAssignment, LoggedDecision


class AgentLoadRepository:
    """One document per agent: ``{_id: user_id, workspace_id, chats: [chat ids], open}``."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["agent_loads"]
        mongo.declare_indexes("agent_loads", [IndexModel([("workspace_id", ASCENDING)])])

    async def claim(self, workspace_id: str, agent_id: str, chat_id: str, limit: int | None) -> bool:
        """Give the chat to the agent if they hold fewer than ``limit`` chats (``None``: no limit) and
        not this one already: one atomic update with the condition in its filter. True: the agent
        holds the chat (this call added it, or it was already theirs: claiming is idempotent);
        False: the agent is full.

        The agent's first chat creates the document (upsert). Two first claims racing: one inserts,
        the other's insert hits the unique ``_id`` — the document exists now, so that claim is
        tried again without upsert against the stored load. An upsert that fails because the stored
        load does not match (full) fails the same way, and the second try says no."""
        query: dict[str, Any] = {"_id": agent_id, "chats": {"$ne": chat_id}}
        if limit is not None:
            query["open"] = {"$lt": limit}
        update = {
            "$push": {"chats": chat_id},
            "$inc": {"open": 1},
            "$setOnInsert": {"workspace_id": workspace_id},
        }
        after = ReturnDocument.AFTER  # the default (before) is None for an upsert that inserted
        try:
            won = await self.coll.find_one_and_update(
                query, update, {"_id": 1}, upsert=limit != 0, return_document=after
            )
        except DuplicateKeyError:
            won = await self.coll.find_one_and_update(query, update, {"_id": 1}, return_document=after)
        if won is None:  # already holding it (a replayed or concurrent claim of this chat) is a win
            won = await self.coll.find_one({"_id": agent_id, "chats": chat_id}, {"_id": 1})
        return won is not None

    async def release(self, agent_id: str, chat_id: str) -> bool:
        """Take the chat from the agent; False when they did not hold it (idempotent)."""
        result = await self.coll.update_one(
            {"_id": agent_id, "chats": chat_id}, {"$pull": {"chats": chat_id}, "$inc": {"open": -1}}
        )
        return result.modified_count == 1

    async def get(self, agent_id: str) -> AgentLoad | None:
        doc = await self.coll.find_one({"_id": agent_id})
        return None if doc is None else AgentLoad.from_doc(doc)

    async def open_counts(self, agent_ids: list[str]) -> dict[str, int]:
        """Each agent's open chats (0 for those who never had one)."""
        docs = await self.coll.find({"_id": {"$in": agent_ids}}, {"open": 1}).to_list()
        counts = {str(d["_id"]): int(d["open"]) for d in docs}
        return {agent_id: counts.get(agent_id, 0) for agent_id in agent_ids}


class ChatAssignmentRepository:
    """One document per chat (see :class:`ChatAssignment`).

    The queue's order is ``enqueued_seq``, taken from a counter document per teamspace with ``$inc``:
    the server applies increments one at a time, so every enqueue gets a distinct number, larger than
    every number handed out before it, whichever replica asks. (An ObjectId or a ULID is made by the
    client: replicas' clocks differ and ids of one millisecond from two processes compare by their
    random part, so a later arrival could sort first.) Numbers skipped by a lost race leave gaps,
    never a reorder.
    """

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["chat_assignments"]
        self.counters = mongo.db["assignment_counters"]
        mongo.declare_indexes(
            "chat_assignments",
            [
                IndexModel([("teamspace_id", ASCENDING), ("state", ASCENDING), ("enqueued_seq", ASCENDING)]),
                IndexModel([("assignee_id", ASCENDING), ("state", ASCENDING)]),
            ],
        )

    async def _next_seq(self, teamspace_id: str) -> int:
        counter = {"_id": f"queue:{teamspace_id}"}
        for _ in range(3):
            try:
                doc = await self.counters.find_one_and_update(
                    counter, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
                )
            except DuplicateKeyError:  # two first enqueues of the teamspace: the counter exists now
                continue
            return int(doc["seq"])
        raise RuntimeError(f"the queue counter of teamspace {teamspace_id} could not be incremented")

    async def enqueue(self, workspace_id: str, chat_id: str, handoff: Handoff) -> ChatAssignment:
        """Put the chat at the end of its teamspace's queue, once: a chat already pending or assigned
        is returned as it is (the same handoff delivered twice is one entry); a released chat is
        queued again, at the end."""
        stored = await self.get(chat_id)
        if stored is not None and stored.state != "released":
            return stored
        seq = await self._next_seq(handoff.teamspace_id)
        fields = {
            "workspace_id": workspace_id,
            "teamspace_id": handoff.teamspace_id,
            "state": "pending",
            "assignee_id": None,
            "enqueued_seq": seq,
            "handoff": handoff.model_dump(mode="json"),
        }
        if stored is None:
            try:
                await self.coll.insert_one({"_id": chat_id, **fields})
                return ChatAssignment.from_doc({"_id": chat_id, **fields})
            except DuplicateKeyError:  # enqueued by another replica meanwhile
                return await self._must_get(chat_id)
        requeued = await self.coll.find_one_and_update(
            {"_id": chat_id, "state": "released"}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )
        return await self._must_get(chat_id) if requeued is None else ChatAssignment.from_doc(requeued)

    async def mark_assigned(self, chat_id: str, agent_id: str) -> bool:
        """Pending → assigned to the agent; False when the chat was not pending (someone else won)."""
        result = await self.coll.update_one(
            {"_id": chat_id, "state": "pending"},
            {"$set": {"state": "assigned", "assignee_id": agent_id, "assigned_at": utcnow()}},
        )
        return result.modified_count == 1

    async def mark_released(self, chat_id: str, agent_id: str) -> bool:
        """Assigned to the agent → released; False when it was not (idempotent)."""
        result = await self.coll.update_one(
            {"_id": chat_id, "state": "assigned", "assignee_id": agent_id},
            {"$set": {"state": "released", "assignee_id": None, "released_at": utcnow()}},
        )
        return result.modified_count == 1

    async def get(self, chat_id: str) -> ChatAssignment | None:
        doc = await self.coll.find_one({"_id": chat_id})
        return None if doc is None else ChatAssignment.from_doc(doc)

    async def _must_get(self, chat_id: str) -> ChatAssignment:
        stored = await self.get(chat_id)
        if stored is None:
            raise RuntimeError(f"chat {chat_id} vanished from the assignment queue")
        return stored

    async def oldest_pending(self, teamspace_id: str, limit: int, after_seq: int = 0) -> list[ChatAssignment]:
        """The teamspace's pending chats that waited longest (those queued after ``after_seq``)."""
        docs = (
            await self.coll.find(
                {"teamspace_id": teamspace_id, "state": "pending", "enqueued_seq": {"$gt": after_seq}}
            )
            .sort("enqueued_seq", ASCENDING)
            .limit(limit)
            .to_list()
        )
        return [ChatAssignment.from_doc(d) for d in docs]


class DecisionLogRepository:
    """Append-only: ``{chat_id, at, decision}``, read newest first per chat."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["assignment_decisions"]
        mongo.declare_indexes(
            "assignment_decisions",
            [IndexModel([("chat_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)])],
        )

    async def append(self, chat_id: str, decision: Decision) -> None:
        await self.coll.insert_one(
            {"chat_id": chat_id, "at": utcnow(), "decision": decision.model_dump(mode="json")}
        )

    async def for_chat(self, chat_id: str, limit: int = 50) -> list[LoggedDecision]:
        docs = (
            await self.coll.find({"chat_id": chat_id}, {"_id": 0})
            .sort([("at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
            .to_list()
        )
        return [LoggedDecision.model_validate(d) for d in docs]


class RoutingStateRepository:
    """Each teamspace's routing memory (round robin's last pick); the last decision written wins."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["routing_states"]

    async def get(self, teamspace_id: str) -> RoutingState:
        doc = await self.coll.find_one({"_id": teamspace_id}, {"_id": 0})
        return RoutingState() if doc is None else RoutingState.model_validate(doc)

    async def put(self, teamspace_id: str, state: RoutingState) -> None:
        await self.coll.update_one({"_id": teamspace_id}, {"$set": state.model_dump()}, upsert=True)
