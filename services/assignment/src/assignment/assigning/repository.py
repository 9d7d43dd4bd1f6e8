"""Storage of assigning: agents' loads (``agent_loads``), chats' assignments, the pending queue and
each chat's decision log (``chat_assignments``, with the queue's sequence in ``assignment_counters``)
and each teamspace's routing memory (``routing_states``).

A chat's decisions are kept in its own document (``log``, the newest ``LOG_KEPT``), so the decision
that assigns a chat is written by the same update that assigns it: one command, and never an
assignment without its reason.

Every change that races is one conditional write with the expected state in its filter, so two
replicas can never both win: a claim of an agent's capacity, the move of a chat from pending to
assigned, its release.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from livechat_shared.ids import utcnow
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..routing.schemas import Candidate, Decision, Handoff, RoutingState
from .schemas import AgentLoad, Announcement, ChatAssignment, Claimer, LoggedDecision

LOG_KEPT = 200
"""Decisions kept per chat (the oldest go first)."""

_NO_LOG = {"log": 0}
"""The projection of a chat's assignment without its decision log."""


def _log_push(decisions: Sequence[Decision]) -> dict[str, Any]:
    """The ``$push`` of decisions onto a chat's log, keeping the newest ``LOG_KEPT``."""
    at = utcnow()
    entries = [{"at": at, "decision": d.model_dump(mode="json")} for d in decisions]
    return {"log": {"$each": entries, "$slice": -LOG_KEPT}}


def _with_log(update: dict[str, Any], decisions: Sequence[Decision]) -> dict[str, Any]:
    return {**update, "$push": _log_push(decisions)} if decisions else update


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

    async def holdings(self) -> list[tuple[str, str]]:
        """Every ``(agent id, chat id)`` counted in an agent's load."""
        docs = await self.coll.find({"open": {"$gt": 0}}, {"chats": 1}).to_list()
        return [(str(d["_id"]), str(c)) for d in docs for c in d.get("chats", [])]

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
                IndexModel([("announce.at", ASCENDING)], sparse=True),
                IndexModel([("state", ASCENDING), ("teamspace_id", ASCENDING)]),
                IndexModel([("workspace_id", ASCENDING), ("state", ASCENDING), ("enqueued_at", ASCENDING)]),
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

    async def enqueue(
        self,
        workspace_id: str,
        chat_id: str,
        handoff: Handoff,
        inbox_version: int = 0,
        summary: str | None = None,
        notes: Sequence[Decision] = (),
    ) -> ChatAssignment:
        """Put the chat at the end of its teamspace's queue, once: a chat already assigned is returned
        as it is, one already pending keeps its place (taking the newer target when the inbox's
        version is newer: a waiting chat transferred to another team); a released chat is queued
        again, at the end. ``notes`` go to the chat's decision log with the change."""
        stored = await self.get(chat_id)
        if stored is not None and stored.state == "pending":
            if inbox_version <= stored.inbox_version:
                await self._append(chat_id, notes)
                return stored
            retargeted = await self.coll.find_one_and_update(
                {"_id": chat_id, "state": "pending", "inbox_version": {"$lt": inbox_version}},
                _with_log(
                    {"$set": {"handoff": handoff.model_dump(mode="json"), "inbox_version": inbox_version}},
                    notes,
                ),
                _NO_LOG,
                return_document=ReturnDocument.AFTER,
            )
            return (
                await self._must_get(chat_id) if retargeted is None else ChatAssignment.from_doc(retargeted)
            )
        if stored is not None and stored.state != "released":
            await self._append(chat_id, notes)
            return stored
        seq = await self._next_seq(handoff.teamspace_id)
        fields = self._fields(workspace_id, handoff, summary, stored, inbox_version)
        fields.update(state="pending", enqueued_seq=seq)
        if stored is None:
            return await self._insert(chat_id, fields, notes) or await self._must_get(chat_id)
        requeued = await self.coll.find_one_and_update(
            {"_id": chat_id, "state": "released"},
            _with_log({"$set": fields}, notes),
            _NO_LOG,
            return_document=ReturnDocument.AFTER,
        )
        return await self._must_get(chat_id) if requeued is None else ChatAssignment.from_doc(requeued)

    @staticmethod
    def _fields(
        workspace_id: str,
        handoff: Handoff,
        summary: str | None,
        stored: ChatAssignment | None,
        inbox_version: int,
    ) -> dict[str, Any]:
        """A chat's record as a handoff makes it (still to be given its state)."""
        return {
            "workspace_id": workspace_id,
            "teamspace_id": handoff.teamspace_id,
            "assignee_id": None,
            "enqueued_seq": 0,
            "enqueued_at": utcnow(),
            "handoff": handoff.model_dump(mode="json"),
            "summary": summary,
            "inbox_version": max(inbox_version, stored.inbox_version if stored else 0),
            "announce": None,
        }

    async def _insert(
        self, chat_id: str, fields: dict[str, Any], notes: Sequence[Decision]
    ) -> ChatAssignment | None:
        """Insert the chat's first record; ``None`` when another replica made it meanwhile."""
        log = _log_push(notes)["log"]["$each"]
        try:
            await self.coll.insert_one({"_id": chat_id, **fields, "log": log})
        except DuplicateKeyError:
            return None
        return ChatAssignment.from_doc({"_id": chat_id, **fields})

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
        """A chat handed off for the first time and given to an agent at once (nobody was waiting):
        its first record, assigned, with its decisions and the announcement — one insert. ``None``:
        the chat has a record already (made meanwhile), which decides."""
        fields = self._fields(workspace_id, handoff, summary, None, inbox_version)
        now = utcnow()
        fields.update(
            state="assigned",
            assignee_id=agent_id,
            assigned_at=now,
            announce=announce.model_dump(mode="json"),
        )
        return await self._insert(chat_id, fields, decisions)

    async def mark_assigned(
        self,
        chat_id: str,
        agent_id: str,
        announce: Announcement | None = None,
        decision: Decision | None = None,
    ) -> bool:
        """Pending → assigned to the agent, with the announcement the inbox must get and the decision
        (in the same update); False when the chat was not pending (someone else won)."""
        result = await self.coll.update_one(
            {"_id": chat_id, "state": "pending"},
            _with_log(
                {
                    "$set": {
                        "state": "assigned",
                        "assignee_id": agent_id,
                        "assigned_at": utcnow(),
                        "announce": None if announce is None else announce.model_dump(mode="json"),
                    }
                },
                [] if decision is None else [decision],
            ),
        )
        return result.modified_count == 1

    async def mark_released(
        self,
        chat_id: str,
        agent_id: str,
        announce: Announcement | None = None,
        inbox_version: int | None = None,
    ) -> bool:
        """Assigned to the agent → released; False when it was not (idempotent). ``inbox_version``:
        the inbox's placement that released it (noted in the same update)."""
        update: dict[str, Any] = {
            "$set": {
                "state": "released",
                "assignee_id": None,
                "released_at": utcnow(),
                "announce": None if announce is None else announce.model_dump(mode="json"),
            }
        }
        if inbox_version is not None:
            update["$max"] = {"inbox_version": inbox_version}
        result = await self.coll.update_one(
            {"_id": chat_id, "state": "assigned", "assignee_id": agent_id}, update
        )
        return result.modified_count == 1

    async def cancel(self, chat_id: str, inbox_version: int | None = None) -> bool:
        """Pending → released: the chat left the queue without routing (closed, taken over);
        ``inbox_version``: the inbox's placement that says so (noted in the same update)."""
        update: dict[str, Any] = {"$set": {"state": "released", "released_at": utcnow(), "announce": None}}
        if inbox_version is not None:
            update["$max"] = {"inbox_version": inbox_version}
        result = await self.coll.update_one({"_id": chat_id, "state": "pending"}, update)
        return result.modified_count == 1

    async def remove(self, chat_id: str) -> None:
        """Erase the chat's record and its decision log (a deleted chat)."""
        await self.coll.delete_one({"_id": chat_id})

    async def hold(self, workspace_id: str, teamspace_id: str, chat_id: str, agent_id: str) -> None:
        """Record that the agent holds the chat (the inbox says so: a takeover, a transfer to them),
        whatever its state here: the inbox is the record of who holds a chat."""
        await self.coll.update_one(
            {"_id": chat_id},
            {
                "$set": {
                    "state": "assigned",
                    "assignee_id": agent_id,
                    "assigned_at": utcnow(),
                    "announce": None,
                },
                "$setOnInsert": {
                    "workspace_id": workspace_id,
                    "teamspace_id": teamspace_id,
                    "enqueued_seq": 0,
                    "handoff": Handoff(teamspace_id=teamspace_id).model_dump(mode="json"),
                },
            },
            upsert=True,
        )

    async def confirm_holder(self, chat_id: str, agent_id: str, inbox_version: int) -> bool:
        """The inbox confirms that the agent holds the chat as recorded here (the usual answer to an
        assignment): one update; False when the record says otherwise or the placement is stale."""
        result = await self.coll.update_one(
            {
                "_id": chat_id,
                "state": "assigned",
                "assignee_id": agent_id,
                "inbox_version": {"$lt": inbox_version},
            },
            {"$set": {"inbox_version": inbox_version, "announce": None}},
        )
        return result.modified_count == 1

    async def note_inbox(self, chat_id: str, inbox_version: int) -> None:
        """The inbox's placement at ``inbox_version`` was applied: older ones are stale from now on,
        and whatever was announced before it has arrived (or was overtaken)."""
        await self.coll.update_one(
            {"_id": chat_id}, {"$max": {"inbox_version": inbox_version}, "$set": {"announce": None}}
        )

    async def unannounced(self, before: datetime, limit: int = 100) -> list[ChatAssignment]:
        """Chats with an announcement made before ``before`` that the inbox has not confirmed."""
        docs = await self.coll.find({"announce.at": {"$lt": before}}, _NO_LOG).limit(limit).to_list()
        return [ChatAssignment.from_doc(d) for d in docs]

    async def assigned_to(self, agent_ids: list[str]) -> list[ChatAssignment]:
        where = {"state": "assigned", "assignee_id": {"$in": agent_ids}}
        docs = await self.coll.find(where, _NO_LOG).to_list()
        return [ChatAssignment.from_doc(d) for d in docs]

    async def assignees(self, chat_ids: list[str]) -> dict[str, str]:
        """The assignee of each of these chats that is assigned here."""
        where = {"_id": {"$in": chat_ids}, "state": "assigned"}
        docs = await self.coll.find(where, {"assignee_id": 1}).to_list()
        return {str(d["_id"]): str(d["assignee_id"]) for d in docs if d.get("assignee_id")}

    async def pending_teamspaces(self) -> list[str]:
        """Every teamspace with a chat waiting in its queue."""
        return [str(t) for t in await self.coll.distinct("teamspace_id", {"state": "pending"})]

    async def queue_page(
        self, workspace_id: str, claimer: Claimer | None, skip: int, limit: int
    ) -> tuple[list[ChatAssignment], int]:
        """The workspace's pending chats, oldest first, and how many there are: all of them, or
        (``claimer``) those whose handoff targets the user — by id, by one of their teams, or
        everyone of one of their teamspaces."""
        where: dict[str, Any] = {"workspace_id": workspace_id, "state": "pending"}
        if claimer is not None:
            where["$or"] = [
                {"handoff.user_ids": claimer.user_id},
                {"handoff.team_ids": {"$in": claimer.team_ids}},
                {
                    "handoff.user_ids": {"$size": 0},
                    "handoff.team_ids": {"$size": 0},
                    "teamspace_id": {"$in": claimer.teamspace_ids},
                },
            ]
        docs = (
            await self.coll.find(where, _NO_LOG)
            .sort([("enqueued_at", ASCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
            .to_list()
        )
        return [ChatAssignment.from_doc(d) for d in docs], await self.coll.count_documents(where)

    async def get(self, chat_id: str) -> ChatAssignment | None:
        doc = await self.coll.find_one({"_id": chat_id}, _NO_LOG)
        return None if doc is None else ChatAssignment.from_doc(doc)

    async def _append(self, chat_id: str, notes: Sequence[Decision]) -> None:
        if notes:
            await self.coll.update_one({"_id": chat_id}, {"$push": _log_push(notes)})

    async def _must_get(self, chat_id: str) -> ChatAssignment:
        stored = await self.get(chat_id)
        if stored is None:
            raise RuntimeError(f"chat {chat_id} vanished from the assignment queue")
        return stored

    async def oldest_pending(self, teamspace_id: str, limit: int, after_seq: int = 0) -> list[ChatAssignment]:
        """The teamspace's pending chats that waited longest (those queued after ``after_seq``)."""
        docs = (
            await self.coll.find(
                {"teamspace_id": teamspace_id, "state": "pending", "enqueued_seq": {"$gt": after_seq}},
                _NO_LOG,
            )
            .sort("enqueued_seq", ASCENDING)
            .limit(limit)
            .to_list()
        )
        return [ChatAssignment.from_doc(d) for d in docs]


class DecisionLogRepository:
    """Each chat's decisions, kept in its assignment's document (``log``, oldest first), read newest
    first. An entry for a chat with no record here yet is dropped: a chat's first decisions go in
    with its first record (:meth:`ChatAssignmentRepository.enqueue`'s notes)."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["chat_assignments"]

    async def append(self, chat_id: str, decision: Decision) -> None:
        await self.coll.update_one({"_id": chat_id}, {"$push": _log_push([decision])})

    async def _entries(self, chat_id: str) -> list[dict[str, Any]]:
        doc = await self.coll.find_one({"_id": chat_id}, {"log": 1})
        return [] if doc is None else list(doc.get("log") or [])

    async def for_chat(self, chat_id: str, limit: int = 50, skip: int = 0) -> list[LoggedDecision]:
        newest_first = list(reversed(await self._entries(chat_id)))[skip : skip + limit]
        return [LoggedDecision.model_validate({"chat_id": chat_id, **e}) for e in newest_first]

    async def count(self, chat_id: str) -> int:
        return len(await self._entries(chat_id))


class RoutingStateRepository:
    """Each teamspace's routing memory (round robin's last pick); the last decision written wins."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["routing_states"]

    async def get(self, teamspace_id: str) -> RoutingState:
        doc = await self.coll.find_one({"_id": teamspace_id}, {"_id": 0})
        return RoutingState() if doc is None else RoutingState.model_validate(doc)

    async def put(self, teamspace_id: str, state: RoutingState) -> None:
        await self.coll.update_one({"_id": teamspace_id}, {"$set": state.model_dump()}, upsert=True)


class TeamspacePool:
    """The candidates of a teamspace as stored: the members of its teams with their presence and
    their load. Loads are read fresh every time (a hint: the claim decides); the teams and their
    members change rarely and are kept for ``directory_seconds`` (a new member is a candidate within that);
    presence is kept for ``presence_seconds`` (cleared at once by a change through this replica)."""

    def __init__(self, mongo: Mongo, directory_seconds: float = 2.0, presence_seconds: float = 0.5) -> None:
        self.db = mongo.db
        self.directory_seconds, self.presence_seconds = directory_seconds, presence_seconds
        self._members: dict[str, tuple[float, list[str], list[dict[str, Any]]]] = {}
        self._presence_kept: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}

    async def _teamspace(self, teamspace_id: str) -> tuple[list[str], list[dict[str, Any]]]:
        """The teamspace's teams and their members (kept for ``directory_seconds``)."""
        kept = self._members.get(teamspace_id)
        if kept is not None and time.monotonic() - kept[0] < self.directory_seconds:
            return kept[1], kept[2]
        teams = [str(t) for t in await self.db["teams"].distinct("_id", {"teamspace_id": teamspace_id})]
        users = await self.db["users"].find({"team_ids": {"$in": teams}}).sort("_id", ASCENDING).to_list()
        self._members[teamspace_id] = (time.monotonic(), teams, users)
        return teams, users

    async def team_ids(self, teamspace_id: str) -> list[str]:
        teams, _ = await self._teamspace(teamspace_id)
        return teams

    async def existing_teams(self, teamspace_id: str, team_ids: list[str]) -> set[str]:
        """Those of ``team_ids`` that are teams of the teamspace (a team elsewhere cannot serve it)."""
        return set(team_ids) & set(await self.team_ids(teamspace_id))

    async def teamspaces_of(self, team_ids: list[str]) -> list[str]:
        """The teamspaces of these teams."""
        return [str(t) for t in await self.db["teams"].distinct("teamspace_id", {"_id": {"$in": team_ids}})]

    async def _presence(self, teamspace_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The members' presence, kept for ``presence_seconds`` (a change reaches routing within)."""
        kept = self._presence_kept.get(teamspace_id)
        if kept is not None and time.monotonic() - kept[0] < self.presence_seconds:
            return kept[1]
        found = {str(p["_id"]): p for p in await self.db["presence"].find({"_id": {"$in": ids}}).to_list()}
        self._presence_kept[teamspace_id] = (time.monotonic(), found)
        return found

    def forget_presence(self) -> None:
        """A presence changed through this replica: read it again at the next decision."""
        self._presence_kept.clear()

    async def candidates(self, teamspace_id: str) -> list[Candidate]:
        _, users = await self._teamspace(teamspace_id)
        ids = [str(u["_id"]) for u in users]
        presence = await self._presence(teamspace_id, ids)
        loads = {
            str(d["_id"]): int(d["open"])
            for d in await self.db["agent_loads"].find({"_id": {"$in": ids}}, {"open": 1}).to_list()
        }
        return [
            Candidate(
                user_id=user_id,
                name=user.get("name"),
                active=user.get("active", True),
                team_ids=user.get("team_ids", []),
                languages=user.get("languages", []),
                presence=presence.get(user_id, {}).get("status", "offline"),
                online_since=presence.get(user_id, {}).get("online_since"),
                open_chats=max(0, loads.get(user_id, 0)),
                max_chats=user.get("max_chats"),
            )
            for user_id, user in zip(ids, users, strict=True)
        ]

    async def away_holders(self) -> list[tuple[str, str, datetime]]:
        """Agents holding chats while away or offline: ``(user id, status, since when)``."""
        holders = [
            str(d["_id"])
            for d in await self.db["agent_loads"].find({"open": {"$gt": 0}}, {"_id": 1}).to_list()
        ]
        if not holders:
            return []
        docs = (
            await self.db["presence"].find({"_id": {"$in": holders}, "status": {"$ne": "online"}}).to_list()
        )
        return [(str(d["_id"]), str(d["status"]), d["changed_at"]) for d in docs if d.get("changed_at")]
