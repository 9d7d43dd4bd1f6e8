"""The ingest service's collections: apps, webchat sessions, inbound dedup keys, webchat mailboxes."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from livechat_shared.ids import new_id, utcnow
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from .domain import AppCreate, digest, new_secret


class AppRepository:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["apps"]
        mongo.declare_indexes(
            "apps",
            [
                IndexModel([("workspace_id", ASCENDING), ("created_at", DESCENDING)]),
                IndexModel(
                    "api_key_hash", unique=True, partialFilterExpression={"api_key_hash": {"$type": "string"}}
                ),
            ],
        )

    async def create(self, workspace_id: str, data: AppCreate) -> tuple[dict[str, Any], str | None]:
        api_key = new_secret() if data.channel == "api" else None
        doc = {
            "_id": new_id(),
            "workspace_id": workspace_id,
            "teamspace_id": data.teamspace_id,
            "team_ids": data.team_ids,
            "channel": data.channel,
            "name": data.name,
            "credentials": data.credentials,
            "created_at": utcnow(),
        }
        if api_key:
            doc["api_key_hash"] = digest(api_key)
        await self.coll.insert_one(doc)
        return doc, api_key

    async def get(self, app_id: str) -> dict[str, Any] | None:
        return await self.coll.find_one({"_id": app_id})

    async def list(self, workspace_id: str, skip: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        query = {"workspace_id": workspace_id}
        docs = await self.coll.find(query).sort("created_at", DESCENDING).skip(skip).limit(limit).to_list()
        return docs, await self.coll.count_documents(query)


class SessionRepository:
    """Webchat sessions, stored by the digest of their token and expired by a TTL index."""

    def __init__(self, mongo: Mongo, ttl: timedelta) -> None:
        self.coll = mongo.db["webchat_sessions"]
        self.ttl = ttl
        mongo.declare_indexes("webchat_sessions", [IndexModel("expires_at", expireAfterSeconds=0)])

    async def create(
        self, app: dict[str, Any], visitor_id: str, name: str | None, language: str | None
    ) -> str:
        token = new_secret()
        now = utcnow()
        await self.coll.insert_one(
            {
                "_id": digest(token),
                "app_id": app["_id"],
                "workspace_id": app["workspace_id"],
                "visitor_id": visitor_id,
                "name": name,
                "language": language,
                "created_at": now,
                "expires_at": now + self.ttl,
            }
        )
        return token

    async def find(self, app_id: str, token: str) -> dict[str, Any] | None:
        return await self.coll.find_one(
            {"_id": digest(token), "app_id": app_id, "expires_at": {"$gt": utcnow()}}
        )


class InboundKeyRepository:
    """Provider message ids already accepted, so channel redeliveries are answered without a publish.

    Written only after the broker confirmed the event; the inbox's unique index on the same natural
    key remains the guarantee when two copies race past this check.
    """

    def __init__(self, mongo: Mongo, retention: timedelta = timedelta(days=3)) -> None:
        self.coll = mongo.db["inbound_keys"]
        mongo.declare_indexes(
            "inbound_keys", [IndexModel("at", expireAfterSeconds=int(retention.total_seconds()))]
        )

    async def seen(self, app_id: str, external_id: str) -> bool:
        return await self.coll.find_one({"_id": f"{app_id}:{external_id}"}, projection={"_id": 1}) is not None

    async def remember(self, app_id: str, external_id: str) -> None:
        with contextlib.suppress(DuplicateKeyError):
            await self.coll.insert_one({"_id": f"{app_id}:{external_id}", "at": utcnow()})


class MailboxRepository:
    """Messages addressed to webchat visitors, numbered per visitor (``cursor``), so a person who
    reconnects with the last cursor they saw gets exactly what they missed."""

    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db["webchat_mailbox"]
        self.counters = mongo.db["webchat_cursors"]
        mongo.declare_indexes(
            "webchat_mailbox",
            [IndexModel([("app_id", ASCENDING), ("visitor_id", ASCENDING), ("cursor", ASCENDING)])],
        )

    async def store(self, app_id: str, visitor_id: str, message: dict[str, Any]) -> int:
        """Store once per message id and return its cursor (the first one on a redelivery)."""
        existing = await self.coll.find_one({"_id": message["id"]}, projection={"cursor": 1})
        if existing is not None:
            return existing["cursor"]
        counter = await self.counters.find_one_and_update(
            {"_id": f"{app_id}:{visitor_id}"},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        doc = {
            "_id": message["id"],
            "app_id": app_id,
            "visitor_id": visitor_id,
            "cursor": counter["seq"],
            "message": message,
            "stored_at": utcnow(),
        }
        try:
            await self.coll.insert_one(doc)
        except DuplicateKeyError:  # a concurrent redelivery stored it first
            return (await self.coll.find_one({"_id": message["id"]}, projection={"cursor": 1}))["cursor"]
        return counter["seq"]

    async def since(self, app_id: str, visitor_id: str, after: int, limit: int = 200) -> list[dict[str, Any]]:
        query = {"app_id": app_id, "visitor_id": visitor_id, "cursor": {"$gt": after}}
        return await self.coll.find(query).sort("cursor", ASCENDING).limit(limit).to_list()
