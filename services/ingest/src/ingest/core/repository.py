"""Storage of the entities several features share: channel apps and inbound dedup keys."""

from __future__ import annotations

from datetime import timedelta

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from .models import App, InboundKey


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

    async def insert(self, app: App) -> None:
        await self.coll.insert_one(app.to_doc())

    async def get(self, app_id: str) -> App | None:
        doc = await self.coll.find_one({"_id": app_id})
        return None if doc is None else App.from_doc(doc)

    async def list(self, workspace_id: str, skip: int, limit: int) -> tuple[list[App], int]:
        """A workspace's apps, newest first, and how many it has."""
        query = {"workspace_id": workspace_id}
        docs = await self.coll.find(query).sort("created_at", DESCENDING).skip(skip).limit(limit).to_list()
        return [App.from_doc(d) for d in docs], await self.coll.count_documents(query)


class InboundKeyRepository:
    """Keys of the channel messages already accepted, kept for ``retention`` (a TTL index on ``at``).

    Written with a plain insert: the unique ``_id`` decides between first and repeat.
    """

    def __init__(self, mongo: Mongo, retention: timedelta = timedelta(days=3)) -> None:
        self.coll = mongo.db["inbound_keys"]
        mongo.declare_indexes(
            "inbound_keys", [IndexModel("at", expireAfterSeconds=int(retention.total_seconds()))]
        )

    async def insert(self, key: InboundKey) -> bool:
        try:
            await self.coll.insert_one(key.to_doc())
        except DuplicateKeyError:
            return False
        return True
