"""Storage of the entities several features share: channel apps and inbound dedup keys."""

from __future__ import annotations

from datetime import timedelta

from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from .cache import LruCache, as_stored
from .models import App, InboundKey


class AppRepository:
    """Channel apps. An app never changes once created (there is no endpoint that updates or deletes
    one), so :meth:`get` keeps the apps it found in a bounded per-process cache: a person's message
    reads its app from memory instead of a round trip. Apps not found are not cached (one created
    meanwhile on another replica is found on the next call), and a cached app is read again after
    ``cache_seconds``, so even a change made by hand in the database reaches every replica.
    """

    def __init__(self, mongo: Mongo, cache_size: int = 10_000, cache_seconds: float = 600.0) -> None:
        self.coll = mongo.db["apps"]
        self.cache: LruCache[str, App] = LruCache(cache_size, cache_seconds)
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
        self.cache.put(app.id, app.model_copy(update={"created_at": as_stored(app.created_at)}))

    async def get(self, app_id: str) -> App | None:
        app = self.cache.get(app_id)
        if app is None:
            doc = await self.coll.find_one({"_id": app_id})
            if doc is None:
                return None
            app = App.from_doc(doc)
            self.cache.put(app_id, app)
        return app

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
