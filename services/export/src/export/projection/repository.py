"""Writes of the read model (its collections and indexes: ``export.core.store``).

Every write is conditional, so a redelivered or late event changes nothing: a snapshot only over an
older one, a message state only over an earlier one, nothing over a deleted chat's tombstone (the
upsert finds no document to update and its insert hits the existing ``_id``). A message is stored
with its chat's words and statistics in one transaction (:meth:`ProjectionRepository.store_message`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from ..core.stats import REPLIES, MessageStats, ReplyLookup
from ..core.store import chats_of, messages_of
from .schemas import ChatState, MessageWrite


class _NotStored(Exception):
    """Ends a message's transaction without storing anything."""


class ProjectionRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.mongo = mongo
        self.chats = chats_of(mongo)
        self.messages = messages_of(mongo)

    async def state(self, chat_id: str) -> ChatState | None:
        doc = await self.chats.find_one(
            {"_id": chat_id}, {"version": 1, "status": 1, "resolved_at": 1, "deleted": 1}
        )
        return ChatState.model_validate(doc) if doc else None

    async def put_chat(self, chat_id: str, workspace_id: str, fields: dict[str, Any], version: int) -> bool:
        """Store a snapshot unless the chat holds this version or a newer one, belongs to another
        workspace or was deleted; True if stored."""
        try:
            await self.chats.update_one(
                {"_id": chat_id, "workspace_id": workspace_id, "version": {"$lt": version}},
                {"$set": fields},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    async def store_message(self, write: MessageWrite) -> bool:
        """Store a message's state unless a later one is stored, its chat is deleted or belongs to
        another workspace; True if stored. The first time the message is stored, its words and its
        count go to its chat (a stub when the chat's snapshot has not come yet) in the same
        transaction, so a redelivered or updated message never counts twice, and a chat deleted
        meanwhile keeps nothing of it (the deletion's tombstone conflicts with the transaction)."""

        async def work(session: AsyncClientSession) -> bool:
            try:
                stored = await self.messages.update_one(
                    {"_id": write.message_id, "chat_id": write.chat_id, "order": {"$lt": write.order}},
                    {"$set": write.fields},
                    upsert=True,
                    session=session,
                )
            except DuplicateKeyError:  # this state or a later one is stored (or another chat's id)
                raise _NotStored() from None
            if stored.upserted_id is None:
                return True  # a later state of a message counted when it was first stored
            chat = await self.chats.find_one(
                {"_id": write.chat_id}, {"workspace_id": 1, "deleted": 1, "stats": 1}, session=session
            )
            if chat is not None and (chat.get("deleted") or chat.get("workspace_id") != write.workspace_id):
                raise _NotStored()  # deleted, or another workspace's chat
            stats = MessageStats.from_doc(chat.get("stats") if chat else None)
            lookup = stats.add(write.author_type, write.seq, write.created_at)
            if lookup is not None:
                answer = await self._first_reply(write.chat_id, lookup, session)
                if answer is not None:
                    stats.answered(answer["seq"], answer["created_at"])
            update: dict[str, Any] = {"$setOnInsert": {"version": -1}, "$set": {"stats": stats.to_doc()}}
            if write.terms:
                update["$addToSet"] = {"message_terms": {"$each": write.terms}}
            await self.chats.update_one(
                {"_id": write.chat_id, "workspace_id": write.workspace_id, "deleted": {"$ne": True}},
                update,
                upsert=True,
                session=session,
            )
            return True

        try:
            return await self.mongo.transaction(work)
        except (_NotStored, DuplicateKeyError):
            return False

    async def _first_reply(
        self, chat_id: str, lookup: ReplyLookup, session: AsyncClientSession
    ) -> dict[str, Any] | None:
        seq: dict[str, Any] = {"$gt": lookup.after}
        if lookup.before is not None:
            seq["$lt"] = lookup.before
        return await self.messages.find_one(
            {"chat_id": chat_id, "seq": seq, "author.type": {"$in": list(REPLIES)}},
            {"seq": 1, "created_at": 1},
            sort=[("seq", ASCENDING)],
            session=session,
        )

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
