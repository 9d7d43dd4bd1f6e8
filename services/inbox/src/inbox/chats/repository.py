"""Queries of the chats collection behind the table and the resync (indexes: inbox.core.store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livechat_shared.auth import Principal
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING

from ..core.models import Chat
from ..core.store import chats_of, visibility_query
from .schemas import ChatFilter


def table_query(user: Principal, where: ChatFilter) -> dict[str, Any]:
    query = visibility_query(user)
    if where.status:
        query["status"] = {"$in": where.status}
    if where.mode:
        query["mode"] = {"$in": where.mode}
    return query


class ChatQueries:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = chats_of(mongo)

    async def page(self, user: Principal, where: ChatFilter, skip: int, limit: int) -> tuple[list[Chat], int]:
        """The user's chats matching ``where``, newest first, and how many match in all."""
        query = table_query(user, where)
        cursor = (
            self.coll.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [Chat.from_doc(d) for d in await cursor.to_list()], await self.coll.count_documents(query)

    async def changed_since(self, user: Principal, at: datetime, after_id: str, limit: int) -> list[Chat]:
        """The user's chats changed after (``at``, ``after_id``), oldest change first."""
        later = {"$or": [{"updated_at": {"$gt": at}}, {"updated_at": at, "_id": {"$gt": after_id}}]}
        cursor = (
            self.coll.find({"$and": [visibility_query(user), later]})
            .sort([("updated_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [Chat.from_doc(d) for d in await cursor.to_list()]
