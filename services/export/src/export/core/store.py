"""The read model's collections, their indexes and the reads every feature shares.

``chats`` holds one document per chat the inbox announced: its newest snapshot (``version`` ≥ 0), or
a *stub* (``version`` -1: a message arrived before the chat's first snapshot), or a *tombstone*
(``deleted``, no ``version``: the chat was deleted, and what arrives for it later is dropped).
Only chats with a snapshot are ever read (:data:`LIVE`). ``messages`` holds the chats' messages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor

from .models import ChatRecord, MessageRecord

T = TypeVar("T")

Doc = dict[str, Any]
CHATS, MESSAGES = "chats", "messages"

LIVE: Doc = {"version": {"$gte": 0}}
"""Chats with a snapshot: not stubs, not tombstones."""


def chats_of(mongo: Mongo) -> AsyncCollection[Doc]:
    return mongo.db[CHATS]


def messages_of(mongo: Mongo) -> AsyncCollection[Doc]:
    return mongo.db[MESSAGES]


class ReadModel:
    """Reads of the chats and messages (written by the projection feature only)."""

    def __init__(self, mongo: Mongo) -> None:
        self.chats = chats_of(mongo)
        self.messages = messages_of(mongo)
        ws = ("workspace_id", ASCENDING)
        mongo.declare_indexes(
            CHATS,
            [
                IndexModel([ws, ("created_at", DESCENDING), ("_id", DESCENDING)]),
                IndexModel([ws, ("team_ids", ASCENDING), ("created_at", DESCENDING)]),
                IndexModel([ws, ("assignee_id", ASCENDING), ("created_at", DESCENDING)]),
                IndexModel([ws, ("terms", ASCENDING)]),
                IndexModel([ws, ("message_terms", ASCENDING)]),
                IndexModel([ws, ("custom_field_values", ASCENDING)]),
                IndexModel([("deleted_at", ASCENDING)]),
            ],
        )
        mongo.declare_indexes(MESSAGES, [IndexModel([("chat_id", ASCENDING), ("seq", ASCENDING)])])

    async def chat(self, workspace_id: str, chat_id: str) -> ChatRecord | None:
        doc = await self.chats.find_one({"_id": chat_id, "workspace_id": workspace_id, **LIVE})
        return ChatRecord.from_doc(doc) if doc else None

    async def transcript(self, chat_id: str) -> AsyncIterator[MessageRecord]:
        """The chat's messages in the order they were stored."""
        async for doc in self.messages.find({"chat_id": chat_id}).sort("seq", ASCENDING).batch_size(500):
            yield MessageRecord.from_doc(doc)

    async def matching(self, query: Doc, batch_size: int = 1000) -> AsyncIterator[list[Doc]]:
        """The documents of the chats matching ``query`` (which must include :data:`LIVE`), in the
        order the database finds them, ``batch_size`` at a time; the next batch is fetched while the
        caller works on the last one.

        Measured on the embedded server (``bench/export``): a sort (newest first) or an index walk
        that gives that order makes it order or look up every match before the first is sent — a
        sort costs more than the read itself, the walk a tenth more —, and a projection leaving out
        the chats' words costs it a fifth of the read; so the documents are read whole (the words are
        dropped with each batch), unsorted."""
        cursor = self.chats.find(query).batch_size(batch_size)
        async for batch in prefetched(batches_of(cursor, batch_size)):
            yield batch

    async def messages_of(self, chat_ids: Sequence[str]) -> dict[str, list[Doc]]:
        """The messages of a few chats, in one query: each chat's in the order they were stored."""
        found: dict[str, list[Doc]] = {chat_id: [] for chat_id in chat_ids}
        cursor = self.messages.find({"chat_id": {"$in": list(chat_ids)}})
        for doc in await cursor.batch_size(10_000).to_list():
            found[doc["chat_id"]].append(doc)
        for messages in found.values():
            messages.sort(key=_seq)
        return found

    async def messages_in_order(self, chat_id: str, batch_size: int = 1000) -> AsyncIterator[list[Doc]]:
        """One chat's messages in the order they were stored, ``batch_size`` at a time (a long chat)."""
        cursor = self.messages.find({"chat_id": chat_id}).sort("seq", ASCENDING).batch_size(batch_size)
        async for batch in batches_of(cursor, batch_size):
            yield batch

    async def deleted_since(self, workspace_id: str, since: datetime) -> list[str]:
        """The workspace's chats deleted at or after ``since`` (their tombstones: the only chats with a
        ``deleted_at``). The query names that field alone, so any server serves it from its index."""
        cursor = self.chats.find({"deleted_at": {"$gte": since}}, {"workspace_id": 1, "deleted": 1})
        return [
            str(doc["_id"])
            for doc in await cursor.to_list()
            if doc.get("workspace_id") == workspace_id and doc.get("deleted") is True
        ]


def _seq(doc: Doc) -> int:
    seq: int = doc["seq"]
    return seq


async def batches_of(cursor: AsyncCursor[Doc], size: int) -> AsyncIterator[list[Doc]]:
    """A cursor's documents, ``size`` at a time (the cursor is closed however the reading ends)."""
    try:
        while batch := await cursor.to_list(size):
            yield batch
    finally:
        await cursor.close()


async def prefetched(source: AsyncIterator[T]) -> AsyncIterator[T]:
    """The items of ``source``, the next one being fetched (by a task of its own) while the caller
    works on the current one: the database prepares a batch while the last one is written. At most
    three items are held (the caller's, the next one, the one being fetched); the task stops when the
    reading stops."""
    queue: asyncio.Queue[tuple[bool, Any]] = asyncio.Queue(maxsize=1)

    async def pump() -> None:
        try:
            async for item in source:
                await queue.put((False, item))
        except Exception as exc:  # handed to the reader, raised there
            await queue.put((True, exc))
            return
        finally:
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                await aclose()
        await queue.put((True, None))

    task = asyncio.create_task(pump())
    try:
        while True:
            ended, item = await queue.get()
            if ended:
                if item is not None:
                    raise item
                return
            await asyncio.sleep(0)  # the task asks for the next item before the caller gets busy
            yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
