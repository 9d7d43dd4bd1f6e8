"""Transactional outbox: an event is stored in the same transaction as the change it announces,
then relayed to the broker with publisher confirms and removed.

A crash between the confirm and the removal publishes the event again; consumers are idempotent on
``event_id``, so the effect stays exactly-once. Several replicas may relay the same outbox: each
document is leased with a conditional update before it is published.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from opentelemetry import context as otel_context
from opentelemetry import propagate
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from .bus import EventPublisher
from .contracts import Envelope
from .ids import utcnow
from .mongo import Mongo
from .telemetry import get_logger

log = get_logger(__name__)

OUTBOX = "outbox"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Outbox:
    def __init__(
        self,
        mongo: Mongo,
        publisher: EventPublisher,
        *,
        poll_seconds: float = 0.5,
        lease_seconds: float = 30.0,
        batch: int = 100,
    ) -> None:
        self.mongo = mongo
        self.coll = mongo.db[OUTBOX]
        self.publisher = publisher
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        mongo.declare_indexes(OUTBOX, [IndexModel([("lease_until", ASCENDING), ("_id", ASCENDING)])])

    async def add(self, envelopes: list[Envelope], session: AsyncClientSession) -> None:
        """Store events inside the caller's transaction; call :meth:`notify` after it commits."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        docs = [
            {
                "_id": e.event_id,
                "routing_key": e.routing_key,
                "correlation_id": e.correlation_id,
                "body": e.model_dump_json(),
                "trace": carrier,
                "lease_until": EPOCH,
            }
            for e in envelopes
        ]
        if docs:
            await self.coll.insert_many(docs, session=session, ordered=True)

    def notify(self) -> None:
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish what is due, oldest first; returns how many events were published."""
        now = utcnow()
        published = 0
        cursor = self.coll.find({"lease_until": {"$lte": now}}).sort("_id", ASCENDING).limit(self.batch)
        for doc in await cursor.to_list():
            claimed = await self.coll.find_one_and_update(
                {"_id": doc["_id"], "lease_until": doc["lease_until"]},
                {"$set": {"lease_until": now + self.lease}},
            )
            if claimed is None:
                continue  # another replica took it
            token = otel_context.attach(propagate.extract(doc.get("trace") or {}))
            try:
                await self.publisher.publish_raw(
                    routing_key=doc["routing_key"],
                    body=doc["body"],
                    event_id=doc["_id"],
                    correlation_id=doc["correlation_id"],
                )
            finally:
                otel_context.detach(token)
            await self.coll.delete_one({"_id": doc["_id"]})
            published += 1
        return published

    async def _run(self) -> None:
        while True:
            try:
                if await self.relay_once():
                    continue
            except Exception as exc:  # broker or database down: keep the events, retry later
                log.warning("outbox_relay_failed", error=str(exc))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def pending(self) -> int:
        return await self.coll.count_documents({})
