"""The chats' conversations with the AI agent (``bot_conversations``, ``_id``: the chat's id)."""

from __future__ import annotations

from livechat_shared.mongo import Mongo
from livechat_shared.writer import Session
from pymongo.errors import DuplicateKeyError

from ..errors import ConversationChanged
from .schemas import Conversation


class ConversationRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["bot_conversations"]

    async def get(self, chat_id: str) -> Conversation | None:
        doc = await self.coll.find_one({"_id": chat_id})
        return None if doc is None else Conversation.from_doc(doc)

    async def forget(self, chat_id: str) -> None:
        await self.coll.delete_one({"_id": chat_id})

    async def save(self, conversation: Conversation, expected_version: int, session: Session) -> None:
        """Store the new state as version ``expected_version + 1``; raises ConversationChanged when
        the stored version is another (or a first state was stored meanwhile)."""
        doc = {**conversation.model_dump(mode="json", by_alias=True), "version": expected_version + 1}
        if expected_version == 0:
            try:
                await self.coll.insert_one(doc, session=session)
            except DuplicateKeyError as exc:
                raise ConversationChanged() from exc
            return
        fields = {k: v for k, v in doc.items() if k != "_id"}
        result = await self.coll.update_one(
            {"_id": conversation.id, "version": expected_version}, {"$set": fields}, session=session
        )
        if result.matched_count == 0:
            raise ConversationChanged()
