"""Erasing a chat's content from the inbox's collections, and the deletion audit (``chat_deletions``)."""

from __future__ import annotations

from gridfs import AsyncGridFSBucket
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from .schemas import DeletionAudit

Session = AsyncClientSession


class ChatEraser:
    """The chat document (its search terms with it), its messages and notes — in the caller's
    transaction — and its attachment files (GridFS, outside it)."""

    def __init__(self, mongo: Mongo) -> None:
        self.db = mongo.db
        self.files = AsyncGridFSBucket(mongo.db, bucket_name="attachments")
        mongo.declare_indexes("attachments.files", [IndexModel([("metadata.chat_id", ASCENDING)])])

    async def erase(self, chat_id: str, session: Session) -> tuple[int, int]:
        """Delete the chat, its messages and its notes; returns (messages, notes) deleted."""
        messages = await self.db["messages"].delete_many({"chat_id": chat_id}, session=session)
        notes = await self.db["notes"].delete_many({"chat_id": chat_id}, session=session)
        await self.db["chats"].delete_one({"_id": chat_id}, session=session)
        return messages.deleted_count, notes.deleted_count

    async def erase_files(self, chat_id: str) -> int:
        """Delete the chat's attachment files; how many there were (idempotent)."""
        erased = 0
        async for stored in self.files.find({"metadata.chat_id": chat_id}):
            await self.files.delete(stored._id)
            erased += 1
        return erased


class DeletionAuditRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["chat_deletions"]
        mongo.declare_indexes(
            "chat_deletions",
            [IndexModel([("workspace_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)])],
        )

    async def add(self, entry: DeletionAudit, session: Session) -> None:
        await self.coll.insert_one(entry.to_doc(), session=session)

    async def page(self, workspace_id: str, skip: int, limit: int) -> tuple[list[DeletionAudit], int]:
        where = {"workspace_id": workspace_id}
        docs = (
            await self.coll.find(where)
            .sort([("at", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
            .to_list()
        )
        return [DeletionAudit.from_doc(d) for d in docs], await self.coll.count_documents(where)
