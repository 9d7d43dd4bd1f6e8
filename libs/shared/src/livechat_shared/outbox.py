"""Transactional outbox: an event is stored in the same transaction as the change it announces,
then relayed to the broker with publisher confirms and removed.

A crash between the confirm and the removal publishes the event again; consumers are idempotent on
``event_id``, so the effect stays exactly-once. Several replicas may relay the same outbox: each
document carries a lease, and only the process holding it publishes the event.

**Two paths.** An event is born leased to the process that wrote it (``birth_lease_seconds``, while
its relay runs): after the commit the writer hands the new documents to the relay
(:meth:`Outbox.notify`), which publishes them at once, confirms in flight together, and removes the
confirmed ones in one ``delete_many`` — no read, no claim. The removal waits up to
``delete_delay_seconds`` (50 ms) to take the next events' ids along, so at a low rate too a
``delete_many`` serves several events (a crash in that window publishes them again: harmless). Everything else
— events whose process died before publishing them (their birth lease runs out), events the broker
refused, events written while no relay ran — is found by the **poll**: every ``poll_seconds`` one
``find`` of what is due, one ``update_many`` claiming it (what another replica claimed first is left
to it), the publish, one ``delete_many``.

An event the broker refuses while the broker itself is healthy (a malformed property, say) is
retried a few times and then **parked** in ``outbox_parked`` with its error, counted
(``outbox_parked_total``) and logged, so one bad event never holds back the others. While the broker
is down nothing is parked: every event waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from opentelemetry import context as otel_context
from opentelemetry import propagate
from prometheus_client import CollectorRegistry, Counter
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from .bus import EventPublisher
from .contracts import Envelope
from .ids import new_id, utcnow
from .mongo import Mongo
from .telemetry import get_logger
from .topology import partition_header

log = get_logger(__name__)

OUTBOX = "outbox"
PARKED = "outbox_parked"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BrokerHealth(Protocol):
    async def healthy(self) -> bool: ...


class Outbox:
    def __init__(
        self,
        mongo: Mongo,
        publisher: EventPublisher,
        *,
        poll_seconds: float = 0.5,
        lease_seconds: float = 30.0,
        birth_lease_seconds: float = 10.0,
        delete_delay_seconds: float = 0.05,
        batch: int = 100,
        health: BrokerHealth | None = None,
        max_attempts: int = 3,
        retry_seconds: float = 1.0,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.mongo = mongo
        self.coll = mongo.db[OUTBOX]
        self.parked = mongo.db[PARKED]
        self.publisher = publisher
        self.health = health
        self.max_attempts = max_attempts
        self.retry = timedelta(seconds=retry_seconds)
        self.parked_total = Counter(
            "outbox_parked_total",
            "Outbox events parked after the broker kept refusing them",
            registry=registry,
        )
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.birth_lease = timedelta(seconds=birth_lease_seconds)
        self.owner = new_id()
        """The lease this process puts on the events it writes."""
        self._fresh: list[dict[str, Any]] = []
        self.delete_delay = delete_delay_seconds
        self._confirmed: list[str] = []
        """Ids of fresh events the broker confirmed, removed together (see :meth:`remove_confirmed`)."""
        self._remove_by = 0.0
        """Committed events born leased to this process, waiting for the relay's fast path."""
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        mongo.declare_indexes(OUTBOX, [IndexModel([("lease_until", ASCENDING), ("_id", ASCENDING)])])

    async def add(self, envelopes: list[Envelope], session: AsyncClientSession) -> list[dict[str, Any]]:
        """Store events inside the caller's transaction; hand what it returns to :meth:`notify`
        after the commit. While this process's relay runs, the events are leased to it."""
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        relaying = self._task is not None and not self._stopping
        lease_until = utcnow() + self.birth_lease if relaying else EPOCH
        partitions = self.publisher.settings.partitions
        docs = [
            {
                "_id": e.event_id,
                "routing_key": e.routing_key,
                "correlation_id": e.correlation_id,
                "body": e.model_dump_json(),
                "headers": partition_header(e.routing_key, e.payload, e.chat_id, partitions),
                "trace": carrier,
                "lease_until": lease_until,
                "lease": self.owner,
            }
            for e in envelopes
        ]
        if docs:
            await self.coll.insert_many(docs, session=session, ordered=True)
        return docs if relaying else []

    def notify(self, committed: Sequence[Any] = ()) -> None:
        """Wake the relay; ``committed``: what :meth:`add` returned, once its transaction committed."""
        self._fresh.extend(committed)
        self._wake.set()

    async def relay_fresh(self) -> int:
        """The fast path: publish the events this process just committed (leased to it at birth),
        remove the confirmed ones in one ``delete_many``; a refused one goes to the poll."""
        docs, self._fresh = self._fresh[: self.batch], self._fresh[self.batch :]
        outcomes = await asyncio.gather(*(self._publish(doc) for doc in docs), return_exceptions=True)
        sent = [doc["_id"] for doc, outcome in zip(docs, outcomes, strict=True) if outcome is None]
        if sent and not self._confirmed:
            self._remove_by = asyncio.get_running_loop().time() + self.delete_delay
        self._confirmed.extend(sent)
        if len(self._confirmed) >= self.batch:
            await self.remove_confirmed()
        failed = [doc["_id"] for doc, outcome in zip(docs, outcomes, strict=True) if outcome is not None]
        if failed:  # due now: the poll retries them, parks what the broker keeps refusing
            await self.coll.update_many(
                {"_id": {"$in": failed}, "lease": self.owner}, {"$set": {"lease_until": utcnow()}}
            )
            self._wake.set()
        return len(sent)

    async def remove_confirmed(self) -> None:
        """Remove the fresh events the broker confirmed, in one ``delete_many``."""
        ids, self._confirmed = self._confirmed, []
        if ids:
            try:
                await self.coll.delete_many({"_id": {"$in": ids}})
            except BaseException:
                self._confirmed = ids + self._confirmed
                raise

    async def relay_once(self) -> int:
        """Publish what is due, oldest first, in one batch; returns how many events were published.

        Three round trips a batch, however large: the read of what is due, its claim (one
        ``update_many`` setting a lease; what another replica claimed first is left to it), and one
        ``delete_many`` of what the broker confirmed. The events of a batch are published together,
        their confirms awaited in flight.
        """
        now = utcnow()
        due = (
            await self.coll.find({"lease_until": {"$lte": now}})
            .sort("_id", ASCENDING)
            .limit(self.batch)
            .to_list()
        )
        if not due:
            return 0
        lease = self.owner
        claim = await self.coll.update_many(
            {"_id": {"$in": [d["_id"] for d in due]}, "lease_until": {"$lte": now}},
            {"$set": {"lease_until": now + self.lease, "lease": lease}},
        )
        if claim.modified_count == 0:
            return 0  # another replica claimed them
        if claim.modified_count == len(due):
            docs = due  # all ours: no need to read them again
        else:  # another replica took some: read back which are ours
            docs = await self.coll.find({"lease": lease}).sort("_id", ASCENDING).to_list()
        outcomes = await asyncio.gather(*(self._publish(doc) for doc in docs), return_exceptions=True)
        sent = [doc["_id"] for doc, outcome in zip(docs, outcomes, strict=True) if outcome is None]
        if sent:
            await self.coll.delete_many({"_id": {"$in": sent}})
        failures = [(doc, o) for doc, o in zip(docs, outcomes, strict=True) if isinstance(o, Exception)]
        if failures:
            if not await self._broker_healthy():
                await self.coll.update_many(  # the broker is down: every event waits for it
                    {"_id": {"$in": [doc["_id"] for doc, _ in failures]}}, {"$set": {"lease_until": now}}
                )
                raise failures[0][1]
            for doc, exc in failures:
                await self._failed(doc, exc, now)
        return len(sent)

    async def _publish(self, doc: dict[str, Any]) -> None:
        token = otel_context.attach(propagate.extract(doc.get("trace") or {}))
        try:
            await self.publisher.publish_raw(
                routing_key=doc["routing_key"],
                body=doc["body"],
                event_id=doc["_id"],
                correlation_id=doc["correlation_id"],
                headers=doc.get("headers"),
            )
        finally:
            otel_context.detach(token)

    async def _broker_healthy(self) -> bool:
        if self.health is None:
            return False
        try:
            return await self.health.healthy()
        except Exception:
            return False

    async def _failed(self, doc: dict[str, Any], exc: Exception, now: datetime) -> None:
        """The broker is up but refused this event: retry it soon, or park it after the last try."""
        attempts = int(doc.get("attempts", 0)) + 1
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if attempts < self.max_attempts:
            await self.coll.update_one(
                {"_id": doc["_id"]},
                {"$set": {"attempts": attempts, "lease_until": now + self.retry, "error": error}},
            )
            return
        await self.parked.replace_one(
            {"_id": doc["_id"]}, {**doc, "attempts": attempts, "error": error, "parked_at": now}, upsert=True
        )
        await self.coll.delete_one({"_id": doc["_id"]})
        self.parked_total.inc()
        log.error("outbox_event_parked", event_id=doc["_id"], routing_key=doc["routing_key"], error=error)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_poll = 0.0
        # stopping: what was committed here goes out first
        while not self._stopping or self._fresh or self._confirmed:
            self._wake.clear()
            try:
                if self._fresh:
                    await self.relay_fresh()
                    continue
                if self._confirmed and (self._stopping or loop.time() >= self._remove_by):
                    await self.remove_confirmed()
                if loop.time() >= next_poll and not self._stopping:
                    if await self.relay_once() >= self.batch:
                        continue  # a full batch: more may be due
                    next_poll = loop.time() + self.poll_seconds
            except Exception as exc:  # broker or database down: keep the events, retry later
                log.warning("outbox_relay_failed", error=str(exc))
                if self._stopping:
                    return  # what is left is found by the poll of the next relay
                next_poll = loop.time() + self.poll_seconds
            if self._fresh or self._wake.is_set() or self._stopping:
                continue
            until = min(next_poll, self._remove_by) if self._confirmed else next_poll
            # asyncio.timeout, not wait_for: on Python 3.11 a wake-up racing the cancellation of
            # stop() made wait_for swallow the cancel, and stop() waited forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(until - loop.time(), 0.0)):
                    await self._wake.wait()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        # The flag as well as the cancel: a cancellation that lands while PyMongo's async network
        # layer is reading can be absorbed there, and the relay would then wait for the next one.
        self._stopping = True
        self._wake.set()
        await asyncio.wait({task}, timeout=2.0)  # the events committed here, published before leaving
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)
        if not task.cancelled() and task.exception() is not None:
            log.warning("outbox_relay_stopped_on_error", error=repr(task.exception()))

    async def pending(self) -> int:
        return await self.coll.count_documents({})
