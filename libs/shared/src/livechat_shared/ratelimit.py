"""Rate limits shared by every replica: fixed-window counters in the service's database.

A window's counter is one document (``<key>:<window>``) incremented atomically; replicas share it,
so a limit holds for the whole deployment, not per process. Counters expire with the window (TTL
index). One round trip per check; a limit of 0 is no limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from .errors import RateLimited
from .mongo import Mongo

COLLECTION = "rate_limits"


@dataclass(frozen=True)
class Limit:
    count: int
    """How many hits a key may make per window; 0 means unlimited."""
    per_seconds: int = 60
    name: str = "requests"


class RateLimiter:
    def __init__(self, mongo: Mongo) -> None:
        self.coll = mongo.db[COLLECTION]
        mongo.declare_indexes(COLLECTION, [IndexModel("expires_at", expireAfterSeconds=0)])

    async def hit(self, key: str, limit: Limit, now: float | None = None) -> None:
        """Count one hit of ``key``; raises :class:`RateLimited` (with the seconds to wait) past the limit."""
        if limit.count <= 0:
            return
        now = time.time() if now is None else now
        window = int(now // limit.per_seconds)
        ends = (window + 1) * limit.per_seconds
        counter = f"{limit.name}:{key}:{window}"
        for _attempt in range(2):  # two first hits racing: one upsert wins, the other increments
            try:
                doc = await self.coll.find_one_and_update(
                    {"_id": counter},
                    {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": datetime.fromtimestamp(ends, UTC)}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                break
            except DuplicateKeyError:
                continue
        else:  # pragma: no cover - the second try finds the document
            return
        if doc is not None and doc["n"] > limit.count:
            raise RateLimited(
                f"too many {limit.name}; retry later", retry_after=max(1, int(ends - now + 0.999))
            )
