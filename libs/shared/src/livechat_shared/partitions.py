"""Spreading a partitioned queue's partitions over the replicas that consume it.

Every replica subscribes to every partition, and each partition queue has a single active consumer
(RabbitMQ's ``x-single-active-consumer``) taking one message at a time: that alone keeps each
partition's order across replicas and crashes — when the active consumer goes away, the next one
registered takes over at once. What it does not do is share the work: the first replica to
subscribe is active everywhere. So each replica announces itself in the database every few
seconds (``heartbeat``), and whenever the set of live replicas changes, each one *yields* the
partitions it does not own — partition ``i`` is owned by the ``i mod n``-th live replica in id
order — by re-subscribing to them, which puts it at the back of their consumer lines. The owner,
already registered, becomes active. A replica that dies stops being counted after ``ttl``; until
then its partitions are served by the standbys, which took over the moment it died.

Yielding only reorders the consumer lines: correctness (order, exactly-once in effect) never
depends on it, only the spread of the load does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from pymongo import IndexModel

from .ids import new_id, utcnow
from .mongo import Mongo
from .telemetry import get_logger

log = get_logger(__name__)


class Restartable(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def owned(partitions: int, members: Sequence[str], me: str) -> set[int]:
    """The partitions ``me`` should be active on, given the live members."""
    ordered = sorted(members)
    if me not in ordered:
        return set()
    rank = ordered.index(me)
    return {i for i in range(partitions) if i % len(ordered) == rank}


class PartitionBalancer:
    def __init__(
        self,
        mongo: Mongo,
        group: str,
        subscribers: Sequence[Restartable],
        *,
        heartbeat: float = 2.0,
        ttl: float = 10.0,
    ) -> None:
        self.coll = mongo.db["consumer_members"]
        mongo.declare_indexes("consumer_members", [IndexModel("expires_at", expireAfterSeconds=0)])
        self.group = group
        self.subscribers = list(subscribers)
        self.member = new_id()
        self.heartbeat = heartbeat
        self.ttl = timedelta(seconds=ttl)
        self._members: tuple[str, ...] = ()
        self._task: asyncio.Task[None] | None = None

    @property
    def current_members(self) -> tuple[str, ...]:
        """The live replicas as of the last rebalance."""
        return self._members

    async def members(self) -> tuple[str, ...]:
        """Announce this replica and return the live members of the group."""
        now = utcnow()
        await self.coll.update_one(
            {"_id": f"{self.group}:{self.member}"},
            {"$set": {"group": self.group, "member": self.member, "expires_at": now + self.ttl}},
            upsert=True,
        )
        live = await self.coll.find({"group": self.group, "expires_at": {"$gt": now}}).to_list()
        return tuple(sorted(doc["member"] for doc in live))

    async def rebalance(self) -> None:
        members = await self.members()
        if members == self._members:
            return
        self._members = members
        mine = owned(len(self.subscribers), members, self.member)
        for index, subscriber in enumerate(self.subscribers):
            if index not in mine:
                await subscriber.stop()  # waits for the message in hand, then leaves the line
                await subscriber.start()  # ... and rejoins it at the back
        log.info("partitions_rebalanced", group=self.group, members=len(members), owned=sorted(mine))

    async def _run(self) -> None:
        while True:
            try:
                await self.rebalance()
            except Exception as exc:  # database or broker away: keep the current lines, retry
                log.warning("partition_rebalance_failed", error=str(exc))
            await asyncio.sleep(self.heartbeat)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"partitions-{self.group}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.coll.delete_one({"_id": f"{self.group}:{self.member}"})
