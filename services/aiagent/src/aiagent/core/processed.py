"""The events a handler applied, by event id, so a redelivery changes nothing and publishes nothing.

The id is recorded in the transaction that applies the event (with its outbox events): a repeat
collides on ``_id``, the transaction aborts and :class:`AlreadyProcessedError` says the message can
be acked. Ids are kept ``retention`` (a TTL index removes them afterwards).
"""

from __future__ import annotations

from datetime import timedelta

from livechat_shared.idempotency import AlreadyProcessedError
from livechat_shared.ids import utcnow
from livechat_shared.mongo import Mongo
from livechat_shared.writer import Session
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

COLLECTION = "processed_events"


class ProcessedEvents:
    def __init__(self, mongo: Mongo, retention: timedelta = timedelta(days=30)) -> None:
        self.coll = mongo.db[COLLECTION]
        mongo.declare_indexes(
            COLLECTION, [IndexModel("at", expireAfterSeconds=int(retention.total_seconds()))]
        )

    async def seen(self, event_id: str) -> bool:
        return await self.coll.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def record(self, event_id: str, session: Session) -> None:
        """Record the event in the transaction; raises AlreadyProcessedError when it was recorded before."""
        try:
            await self.coll.insert_one({"_id": event_id, "at": utcnow()}, session=session)
        except DuplicateKeyError as exc:
            raise AlreadyProcessedError(event_id) from exc
