"""The inbox's collections: people, chats and messages. Writes take the caller's session so a
change and the events announcing it commit together (see ``livechat_shared.outbox``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livechat_shared.events import MessageReceivedV1
from livechat_shared.ids import new_id
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from .domain import display_name

Session = AsyncClientSession


class PersonRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["people"]
        mongo.declare_indexes(
            "people",
            [
                IndexModel([("app_id", ASCENDING), ("external_id", ASCENDING)], unique=True),
                IndexModel([("workspace_id", ASCENDING), ("name_lc", ASCENDING)]),
            ],
        )

    async def upsert_from_channel(
        self, workspace_id: str, event: MessageReceivedV1, now: datetime, session: Session
    ) -> dict[str, Any]:
        update: dict[str, Any] = {
            "$setOnInsert": {
                "_id": new_id(),
                "workspace_id": workspace_id,
                "channel": event.channel,
                "created_at": now,
            },
            "$set": {"last_seen_at": now},
        }
        if event.person.name:
            update["$set"] |= {"name": event.person.name, "name_lc": event.person.name.lower()}
        if event.person.language:
            update["$set"]["language"] = event.person.language
        return await self.coll.find_one_and_update(
            {"app_id": event.app_id, "external_id": event.person.external_id},
            update,
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def get(self, person_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": person_id})


class ChatRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["chats"]
        mongo.declare_indexes(
            "chats",
            [
                # At most one current chat per person and app: concurrent first messages meet here.
                IndexModel(
                    [("app_id", ASCENDING), ("person_id", ASCENDING)],
                    unique=True,
                    name="one_current_chat",
                    partialFilterExpression={"current": True},
                ),
                IndexModel([("workspace_id", ASCENDING), ("created_at", DESCENDING)]),
                IndexModel(
                    [("workspace_id", ASCENDING), ("team_ids", ASCENDING), ("created_at", DESCENDING)]
                ),
                IndexModel(
                    [("workspace_id", ASCENDING), ("assignee_id", ASCENDING), ("created_at", DESCENDING)]
                ),
                IndexModel([("workspace_id", ASCENDING), ("updated_at", ASCENDING)]),
            ],
        )

    async def touch_current(
        self,
        workspace_id: str,
        event: MessageReceivedV1,
        person: dict[str, Any],
        now: datetime,
        session: Session,
    ) -> dict[str, Any]:
        """Find the person's current chat in the app or start one (AI mode); bump its version and seq."""
        return await self.coll.find_one_and_update(
            {"app_id": event.app_id, "person_id": person["_id"], "current": True},
            {
                "$setOnInsert": {
                    "_id": new_id(),
                    "workspace_id": workspace_id,
                    "teamspace_id": event.teamspace_id,
                    "app": {"id": event.app_id, "channel": event.channel, "name": event.app_name},
                    "person_external_id": event.person.external_id,
                    "mode": "ai",
                    "status": "open",
                    "assignee_id": None,
                    "team_ids": event.team_ids,
                    "description": "",
                    "tags": [],
                    "custom_fields": {},
                    "rating": None,
                    "created_at": now,
                },
                "$set": {
                    "person": {"id": person["_id"], "name": display_name(person.get("name"))},
                    "updated_at": now,
                    "last_message_at": now,
                },
                "$inc": {"version": 1, "next_seq": 1},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def get(self, chat_id: str, session: Session | None = None) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": chat_id}, session=session)

    async def apply_reply(
        self, chat: dict[str, Any], user_id: str, take: bool, now: datetime, session: Session
    ) -> dict[str, Any] | None:
        """Record an agent's reply on the chat, taking it when asked; ``None`` if the chat moved meanwhile."""
        changes: dict[str, Any] = {"updated_at": now, "last_message_at": now}
        if take:
            changes |= {"assignee_id": user_id, "mode": "live", "status": "open"}
        return await self.coll.find_one_and_update(
            {"_id": chat["_id"], "version": chat["version"]},
            {"$set": changes, "$inc": {"version": 1, "next_seq": 1}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def page(self, query: dict[str, Any], skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        docs = (
            await self.coll.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
            .to_list()
        )
        return docs, await self.coll.count_documents(query)

    async def changed_since(
        self, query: dict[str, Any], at: datetime, after_id: str, limit: int
    ) -> list[dict[str, Any]]:
        """Chats matching ``query`` changed after (``at``, ``after_id``), oldest change first."""
        later = {"$or": [{"updated_at": {"$gt": at}}, {"updated_at": at, "_id": {"$gt": after_id}}]}
        return (
            await self.coll.find({"$and": [query, later]})
            .sort([("updated_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
            .to_list()
        )


class MessageRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["messages"]
        mongo.declare_indexes(
            "messages",
            [
                IndexModel([("chat_id", ASCENDING), ("seq", ASCENDING)], unique=True),
                # The channel's own message id: a redelivered inbound message cannot be stored twice.
                IndexModel(
                    "inbound_key", unique=True, partialFilterExpression={"inbound_key": {"$type": "string"}}
                ),
                # An agent's client_message_id: a retried reply is stored once.
                IndexModel(
                    "client_key", unique=True, partialFilterExpression={"client_key": {"$type": "string"}}
                ),
            ],
        )

    async def insert(self, doc: dict[str, Any], session: Session) -> None:
        await self.coll.insert_one(doc, session=session)

    async def get(self, message_id: str, session: Session | None = None) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": message_id}, session=session)

    async def set_delivery(
        self, message: dict[str, Any], state: str, error: str | None, session: Session
    ) -> dict[str, Any] | None:
        """Move the delivery state on, unless it changed since ``message`` was read."""
        return await self.coll.find_one_and_update(
            {"_id": message["_id"], "delivery": message.get("delivery")},
            {"$set": {"delivery": state, "delivery_error": error}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def by_client_key(self, client_key: str, session: Session | None = None) -> dict[str, Any] | None:
        return await self.coll.find_one({"client_key": client_key}, session=session)

    async def after(self, chat_id: str, after_seq: int, limit: int) -> list[dict[str, Any]]:
        return (
            await self.coll.find({"chat_id": chat_id, "seq": {"$gt": after_seq}})
            .sort("seq", ASCENDING)
            .limit(limit)
            .to_list()
        )

    async def count(self, chat_id: str) -> int:
        return await self.coll.count_documents({"chat_id": chat_id})
