"""Reads and writes of the read model for the projection (its collections and indexes:
``export.core.store``).

The events of several chats are stored together, in one transaction (``projection.use_cases``):
:meth:`ProjectionRepository.stored` reads what is stored of their chats and messages in one query
per collection, the use case decides what each event changes, and :meth:`ProjectionRepository.write`
writes it all with one bulk write per collection — five commands for a group instead of five per
event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from ..core.stats import REPLIES, MessageStats, ReplyLookup
from ..core.store import chats_of, messages_of
from .schemas import ChatState, MessageWrite, Write

_CHAT_STATE = {"workspace_id": 1, "version": 1, "status": 1, "resolved_at": 1, "deleted": 1, "stats": 1}


@dataclass
class Stored:
    """What is stored of a group's chats (by id) and messages (by id: their chat and order)."""

    chats: dict[str, ChatState]
    messages: dict[str, dict[str, Any]]


@dataclass
class Changes:
    """What a group of events writes."""

    snapshots: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """A chat's id and the fields its snapshot sets."""
    new_messages: list[tuple[MessageWrite, MessageStats]] = field(default_factory=list)
    """A message stored for the first time, and its chat's statistics counting it."""
    later_states: list[MessageWrite] = field(default_factory=list)
    """A later state of a message stored before."""


class ProjectionRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.mongo = mongo
        self.chats = chats_of(mongo)
        self.messages = messages_of(mongo)

    async def stored(self, writes: Sequence[Write], session: AsyncClientSession) -> Stored:
        """What is stored of the chats and messages the ``writes`` are about."""
        query = {"_id": {"$in": [w.chat_id for w in writes]}}
        chats = {
            doc["_id"]: ChatState.model_validate(doc)
            async for doc in self.chats.find(query, _CHAT_STATE, session=session)
        }
        ids = [w.message_id for w in writes if isinstance(w, MessageWrite)]
        messages: dict[str, dict[str, Any]] = {}
        if ids:
            cursor = self.messages.find({"_id": {"$in": ids}}, {"chat_id": 1, "order": 1}, session=session)
            messages = {doc["_id"]: doc async for doc in cursor}
        return Stored(chats, messages)

    async def write(self, changes: Changes, session: AsyncClientSession) -> None:
        """One bulk write per collection. A new message is counted on its chat (its words, its
        statistics) in the same transaction, so it never counts twice; its chat is a stub
        (``version`` -1) until its snapshot comes."""
        message_ops: list[InsertOne[dict[str, Any]] | UpdateOne] = [
            InsertOne({"_id": write.message_id, **write.fields}) for write, _ in changes.new_messages
        ]
        message_ops += [UpdateOne({"_id": w.message_id}, {"$set": w.fields}) for w in changes.later_states]
        chat_ops = [UpdateOne({"_id": chat_id}, {"$set": f}, upsert=True) for chat_id, f in changes.snapshots]
        for write, stats in changes.new_messages:
            update: dict[str, Any] = {
                "$setOnInsert": {"workspace_id": write.workspace_id, "version": -1},
                "$set": {"stats": stats.to_doc()},
            }
            if write.terms:
                update["$addToSet"] = {"message_terms": {"$each": write.terms}}
            chat_ops.append(UpdateOne({"_id": write.chat_id}, update, upsert=True))
        if message_ops:
            await self.messages.bulk_write(message_ops, ordered=False, session=session)
        if chat_ops:
            await self.chats.bulk_write(chat_ops, ordered=False, session=session)

    async def first_reply(
        self, chat_id: str, lookup: ReplyLookup, session: AsyncClientSession
    ) -> tuple[int, datetime] | None:
        """The first answer (an agent's or the AI's message) a :class:`ReplyLookup` asks for."""
        seq: dict[str, Any] = {"$gt": lookup.after}
        if lookup.before is not None:
            seq["$lt"] = lookup.before
        found = await self.messages.find_one(
            {"chat_id": chat_id, "seq": seq, "author.type": {"$in": list(REPLIES)}},
            {"seq": 1, "created_at": 1},
            sort=[("seq", ASCENDING)],
            session=session,
        )
        return (found["seq"], found["created_at"]) if found else None

    async def erase(self, workspace_id: str, chat_id: str, at: datetime) -> None:
        """Replace the chat by a tombstone (its id, workspace and when), then delete its messages:
        a message stored meanwhile either is deleted here or sees the tombstone."""
        try:
            await self.chats.replace_one(
                {"_id": chat_id, "workspace_id": workspace_id},
                {"workspace_id": workspace_id, "deleted": True, "deleted_at": at},
                upsert=True,
            )
        except DuplicateKeyError:  # another workspace's chat: not this event's to delete
            return
        await self.messages.delete_many({"chat_id": chat_id, "workspace_id": workspace_id})
