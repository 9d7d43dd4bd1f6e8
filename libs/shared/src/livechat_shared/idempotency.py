"""Idempotent consumers: a handler records the event it applies in the same transaction as its
effect, under a unique ``_id``. A redelivered event collides on that index and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from pymongo import IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from .ids import utcnow
from .mongo import Mongo

PROCESSED = "processed_events"


class AlreadyProcessedError(Exception):
    """The event was applied before; the transaction is aborted and the message can be acked."""


class ProcessedEvents:
    def __init__(self, mongo: Mongo, *, retention: timedelta = timedelta(days=7)) -> None:
        self.coll = mongo.db[PROCESSED]
        mongo.declare_indexes(
            PROCESSED, [IndexModel("at", expireAfterSeconds=int(retention.total_seconds()))]
        )

    async def record(self, consumer: str, event_id: str, session: AsyncClientSession) -> None:
        """Call first inside the handler's transaction; raises :class:`AlreadyProcessedError` on a repeat."""
        try:
            await self.coll.insert_one({"_id": f"{consumer}:{event_id}", "at": utcnow()}, session=session)
        except DuplicateKeyError as exc:
            raise AlreadyProcessedError(event_id) from exc
