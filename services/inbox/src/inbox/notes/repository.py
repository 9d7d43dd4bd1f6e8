"""The notes collection: its index and the reads and writes of the notes feature."""

from __future__ import annotations

from typing import Any

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from .schemas import Note

Session = AsyncClientSession
NOTES = "notes"


class NoteRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[NOTES]
        mongo.declare_indexes(
            NOTES, [IndexModel([("chat_id", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)])]
        )

    async def page(self, chat_id: str, skip: int, limit: int) -> tuple[list[Note], int]:
        """The chat's notes, oldest first, and how many it has in all."""
        query: dict[str, Any] = {"chat_id": chat_id}
        cursor = (
            self.coll.find(query)
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [Note.from_doc(d) for d in await cursor.to_list()], await self.coll.count_documents(query)

    async def get(self, chat_id: str, note_id: str, session: Session | None = None) -> Note | None:
        """The note, if it belongs to the chat."""
        doc = await self.coll.find_one({"_id": note_id, "chat_id": chat_id}, session=session)
        return Note.from_doc(doc) if doc else None

    async def insert(self, note: Note, session: Session) -> None:
        await self.coll.insert_one(note.to_doc(), session=session)

    async def replace(self, note: Note, session: Session) -> None:
        await self.coll.replace_one({"_id": note.id}, note.to_doc(), session=session)

    async def delete(self, note: Note, session: Session) -> None:
        await self.coll.delete_one({"_id": note.id}, session=session)
