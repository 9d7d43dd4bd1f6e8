"""Storage of webchat: sessions (by token digest, expired by a TTL index) and visitors' mailboxes."""

from __future__ import annotations

from typing import Any

from livechat_shared.contracts import MessageView
from livechat_shared.ids import utcnow
from livechat_shared.mongo import Mongo
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..core.cache import LruCache, as_stored
from ..core.models import MailboxEntry, WebchatSession


class SessionRepository:
    """Webchat sessions by the digest of their token.

    A session never changes once stored (a new name or language is a new session) and lives until
    ``expires_at``, so the sessions found or stored are kept in a bounded per-process cache: each
    of a person's messages then reads its session from memory. The cache honours expiry exactly as
    the query does (a session is never served once ``expires_at`` passed) and the app it belongs to
    (a token of one app opens nothing on another). Unknown tokens are not cached: a session started
    on another replica is found on its first use here.
    """

    def __init__(self, mongo: Mongo, cache_size: int = 20_000) -> None:
        self.coll = mongo.db["webchat_sessions"]
        self.cache: LruCache[str, WebchatSession] = LruCache(cache_size)
        mongo.declare_indexes("webchat_sessions", [IndexModel("expires_at", expireAfterSeconds=0)])

    async def insert(self, session: WebchatSession) -> None:
        await self.coll.insert_one(session.to_doc())
        stored = {"created_at": as_stored(session.created_at), "expires_at": as_stored(session.expires_at)}
        self.cache.put(session.id, session.model_copy(update=stored))

    async def find(self, app_id: str, token_digest: str) -> WebchatSession | None:
        """The app's unexpired session with this token digest."""
        now = utcnow()
        session = self.cache.get(token_digest)
        if session is None:
            doc = await self.coll.find_one(
                {"_id": token_digest, "app_id": app_id, "expires_at": {"$gt": now}}
            )
            if doc is None:
                return None
            session = WebchatSession.from_doc(doc)
            self.cache.put(token_digest, session)
        if session.expires_at <= now:
            self.cache.discard(token_digest)
            return None
        return session if session.app_id == app_id else None


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

    async def store(self, app_id: str, visitor_id: str, message: MessageView) -> int:
        """Store once per message id and return its cursor (the first one on a redelivery)."""
        existing = await self._cursor_of(message.id)
        if existing is not None:
            return existing
        counter: dict[str, Any] = await self.counters.find_one_and_update(
            {"_id": f"{app_id}:{visitor_id}"},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        cursor = int(counter["seq"])
        entry = MailboxEntry(
            id=message.id,
            app_id=app_id,
            visitor_id=visitor_id,
            cursor=cursor,
            message=message,
            stored_at=utcnow(),
        )
        try:
            await self.coll.insert_one(entry.to_doc())
        except DuplicateKeyError:  # a concurrent redelivery stored it first
            stored = await self._cursor_of(message.id)
            if stored is None:
                raise
            return stored
        return cursor

    async def since(self, app_id: str, visitor_id: str, after: int, limit: int = 200) -> list[MailboxEntry]:
        query = {"app_id": app_id, "visitor_id": visitor_id, "cursor": {"$gt": after}}
        docs = await self.coll.find(query).sort("cursor", ASCENDING).limit(limit).to_list()
        return [MailboxEntry.from_doc(d) for d in docs]

    async def _cursor_of(self, message_id: str) -> int | None:
        doc = await self.coll.find_one({"_id": message_id}, projection={"cursor": 1})
        return None if doc is None else int(doc["cursor"])
