"""Queries of the messages collection that the messages feature needs (indexes: inbox.core.store)."""

from __future__ import annotations

from livechat_shared.contracts import DeliveryState
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from ..core.models import Message
from ..core.store import messages_of

Session = AsyncClientSession


class MessageRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = messages_of(mongo)

    async def after(self, chat_id: str, after_seq: int, limit: int) -> list[Message]:
        cursor = (
            self.coll.find({"chat_id": chat_id, "seq": {"$gt": after_seq}})
            .sort("seq", ASCENDING)
            .limit(limit)
        )
        return [Message.from_doc(d) for d in await cursor.to_list()]

    async def count(self, chat_id: str) -> int:
        return await self.coll.count_documents({"chat_id": chat_id})

    async def by_client_key(self, key: str, session: Session | None = None) -> Message | None:
        doc = await self.coll.find_one({"client_key": key}, session=session)
        return Message.from_doc(doc) if doc else None

    async def set_delivery(
        self, message: Message, state: DeliveryState, error: str | None, session: Session
    ) -> Message | None:
        """Move the delivery state on, unless it changed since ``message`` was read (then ``None``)."""
        doc = await self.coll.find_one_and_update(
            {"_id": message.id, "delivery": message.delivery},
            {"$set": {"delivery": state, "delivery_error": error}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        return Message.from_doc(doc) if doc else None
