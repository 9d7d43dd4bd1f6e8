"""Rate limits shared by every replica: fixed-window counters in the service's database, counted
locally between batched writes so that a hit far from its limit costs no round trip.

A window's counter is one document ``{_id: "<name>:<key>:<window>", n, expires_at}``; every replica
adds its hits to it, so a limit holds for the whole deployment, not per process (the README's
promise). Counters expire with their window (TTL index). A limit of 0 is no limit.

Each replica decides a hit from what it knows of the counter: ``synced``, the shared count it last
read, and ``pending``, its own hits not written yet. Counts only grow, so ``synced + pending`` is
never more than the true count:

- **over the limit already** (``synced + pending`` reaches it): refused here, with no round trip
  (and not written: the window is spent either way);
- **far from the limit**: admitted here and counted in ``pending``, as long as this replica holds
  fewer than ``(limit - synced) // LOCAL_SHARE`` hits the database has not confirmed. A background
  flusher writes the pending hits of *every* counter every ``flush_seconds`` (0.5 s) in two
  commands — one ``bulk_write`` of ``$inc`` upserts, then one ``find`` of their counts with ``$in``
  — and ``synced`` takes those counts, so each replica sees the others' hits within an interval.
  With no hits there are no writes (the flusher stops, and starts again with the next one);
- **near the limit** (and always for a limit under ``LOCAL_SHARE``, where no hit is far from it):
  the hit is written at once, with this replica's pending hits, in one ``find_one_and_update``
  ``$inc``, and the count it returns decides — as when every hit was a round trip. Small limits
  (a handful of sessions per address; the tests' limits) are therefore exact, a visitor or app
  close to its limit pays a round trip per hit, and the common case pays none.

How far a limit can overshoot: only hits admitted locally, not yet in the database, can push it
over, and a replica holds at most ``limit // LOCAL_SHARE`` of those per counter at any time — what
it admits between two flushes. So across R replicas a window admits at most about
``limit + R * (limit // 16)`` hits (60 messages per visitor and minute on 2 replicas: 66; limits
under 16: exactly the limit), and never fewer than the limit before refusing. A replica that stops
without :meth:`RateLimiter.close` loses its unwritten hits (one interval's worth); after a failed
write they stay pending for the next one; hits of a window that has ended are dropped unwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from .errors import RateLimited
from .mongo import Mongo
from .telemetry import get_logger

log = get_logger(__name__)

COLLECTION = "rate_limits"
LOCAL_SHARE = 16
"""A replica decides alone on at most ``1/LOCAL_SHARE`` of what is left of a limit between writes."""
MAX_COUNTERS = 100_000
"""Counters kept in memory at most (about 200 bytes each)."""
DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class Limit:
    count: int
    """How many hits a key may make per window; 0 means unlimited."""
    per_seconds: int = 60
    name: str = "requests"


@dataclass(slots=True)
class _Counter:
    """What this replica knows of one window's counter."""

    ends: float
    """When the window ends (epoch seconds)."""
    synced: int = 0
    """The shared count as last read from the database."""
    pending: int = 0
    """Hits admitted here and not yet sent to the database."""
    sending: int = 0
    """Hits sent to the database and not yet confirmed."""


class RateLimiter:
    """``await limiter.hit(key, Limit(...))`` counts one hit and raises :class:`RateLimited` past
    the limit; see the module's docstring for how the counts are shared and batched."""

    def __init__(self, mongo: Mongo, flush_seconds: float = 0.5) -> None:
        self.coll = mongo.db[COLLECTION]
        mongo.declare_indexes(COLLECTION, [IndexModel("expires_at", expireAfterSeconds=0)])
        self.flush_seconds = flush_seconds
        self._counters: dict[str, _Counter] = {}
        self._dirty: set[str] = set()
        """The counters with pending hits."""
        self._flusher: asyncio.Task[None] | None = None
        self._next_forget = 0.0

    async def hit(self, key: str, limit: Limit, now: float | None = None) -> None:
        """Count one hit of ``key``; raises :class:`RateLimited` (with the seconds to wait) past the limit."""
        if limit.count <= 0:
            return
        now = time.time() if now is None else now
        window = int(now // limit.per_seconds)
        ends = (window + 1) * limit.per_seconds
        counter_id = f"{limit.name}:{key}:{window}"
        counter = self._counters.get(counter_id)
        if counter is None:
            self._forget_ended()
            counter = self._counters[counter_id] = _Counter(ends)
        if counter.synced + counter.pending >= limit.count:
            raise _limited(limit, ends, now)  # over by this replica's own count: nothing to ask
        if counter.pending + counter.sending < (limit.count - counter.synced) // LOCAL_SHARE:
            counter.pending += 1  # far from the limit: admitted here, written with the next batch
            self._dirty.add(counter_id)
            self._start_flusher()
            return
        if await self._write_now(counter_id, counter) > limit.count:
            raise _limited(limit, ends, now)

    async def flush(self) -> None:
        """Write every counter's pending hits in one bulk write and read their shared counts back."""
        now = time.time()
        batch: dict[str, _Counter] = {}
        for cid in self._dirty:
            counter = self._counters.get(cid)
            if counter is None or not counter.pending:
                continue
            if counter.ends <= now:  # a window that has ended decides nothing any more: dropped
                counter.pending = 0
            else:
                batch[cid] = counter
        self._dirty.clear()
        self._forget_ended()
        if not batch:
            return
        sent = {cid: c.pending for cid, c in batch.items()}
        for cid, counter in batch.items():
            counter.sending += sent[cid]
            counter.pending = 0
        written = False
        try:
            await self._bulk_increment(sent, batch)
            written = True
            ids = list(sent)  # every count in the first batch: one round trip, no getMore
            docs = await self.coll.find(
                {"_id": {"$in": ids}}, {"n": 1}, limit=len(ids), batch_size=len(ids)
            ).to_list()
        finally:
            for cid, counter in batch.items():
                counter.sending -= sent[cid]
                if not written:  # kept for the next write (a partly applied batch errs on the safe side)
                    counter.pending += sent[cid]
                    self._dirty.add(cid)
        for doc in docs:
            counter = batch[doc["_id"]]
            counter.synced = max(counter.synced, int(doc["n"]))

    async def close(self) -> None:
        """Stop the flusher and write what is pending (call before the database client closes)."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._flusher
            self._flusher = None
        with contextlib.suppress(Exception):
            await self.flush()

    # --- internals --------------------------------------------------------------------------

    async def _write_now(self, counter_id: str, counter: _Counter) -> int:
        """Send this hit with the counter's pending ones; the shared count after them."""
        amount = counter.pending + 1
        counter.pending = 0
        counter.sending += amount
        try:
            doc = await self._increment(counter_id, amount, counter.ends)
        except BaseException:
            if amount > 1:  # the earlier hits were admitted: keep them for the next write
                counter.pending += amount - 1
                self._dirty.add(counter_id)
            raise
        finally:
            counter.sending -= amount
        count = int(doc["n"])
        counter.synced = max(counter.synced, count)
        return count

    async def _increment(self, counter_id: str, amount: int, ends: float) -> dict[str, Any]:
        update = {"$inc": {"n": amount}, "$setOnInsert": {"expires_at": datetime.fromtimestamp(ends, UTC)}}
        for _attempt in range(2):  # two first hits racing: one upsert wins, the other increments
            try:
                doc: dict[str, Any] | None = await self.coll.find_one_and_update(
                    {"_id": counter_id}, update, upsert=True, return_document=ReturnDocument.AFTER
                )
            except DuplicateKeyError:
                continue
            if doc is not None:
                return doc
        raise RuntimeError(f"rate-limit counter {counter_id} could not be incremented")  # pragma: no cover

    async def _bulk_increment(self, amounts: dict[str, int], counters: dict[str, _Counter]) -> None:
        ops = [
            UpdateOne(
                {"_id": cid},
                {
                    "$inc": {"n": amount},
                    "$setOnInsert": {"expires_at": datetime.fromtimestamp(counters[cid].ends, UTC)},
                },
                upsert=True,
            )
            for cid, amount in amounts.items()
        ]
        try:
            await self.coll.bulk_write(ops, ordered=False)
        except BulkWriteError as exc:  # first hits racing another replica's upsert: increment again
            errors = exc.details.get("writeErrors", [])
            if not errors or any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            await self.coll.bulk_write([ops[e["index"]] for e in errors], ordered=False)

    def _start_flusher(self) -> None:
        flusher = self._flusher
        loop = asyncio.get_running_loop()
        if flusher is not None and not flusher.done() and flusher.get_loop() is loop:
            return
        # a context of its own: the flusher outlives the request that started it
        self._flusher = loop.create_task(
            self._flush_while_pending(), name="ratelimit-flush", context=contextvars.Context()
        )

    async def _flush_while_pending(self) -> None:
        """Write the pending hits every interval; ends once nothing is left to write (the next
        locally admitted hit starts it again). A failed write is retried, slower and slower."""
        delay = self.flush_seconds
        while True:
            await asyncio.sleep(delay)
            try:
                await self.flush()
                delay = self.flush_seconds
            except Exception as exc:
                delay = min(delay * 2, 5.0)
                log.warning("ratelimit_flush_failed", error=type(exc).__name__, retry_in=delay)
            if not self._dirty:
                self._flusher = None
                return

    def _forget_ended(self, every: float = 10.0) -> None:
        """Now and then, drop the counters of ended windows that have nothing left to write; past
        :data:`MAX_COUNTERS`, also the oldest that have nothing to write (a forgotten counter is read
        again by its next hit that goes to the database)."""
        now = time.time()
        if now < self._next_forget and len(self._counters) < MAX_COUNTERS:
            return
        self._next_forget = now + every
        idle = [cid for cid, c in self._counters.items() if not c.pending and not c.sending]
        ended = {cid for cid in idle if self._counters[cid].ends < now}
        excess = len(self._counters) - len(ended) - MAX_COUNTERS // 2
        if excess > 0:
            ended.update([cid for cid in idle if cid not in ended][:excess])
        for cid in ended:
            del self._counters[cid]


def _limited(limit: Limit, ends: float, now: float) -> RateLimited:
    return RateLimited(f"too many {limit.name}; retry later", retry_after=max(1, int(ends - now + 0.999)))
