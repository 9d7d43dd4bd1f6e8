"""Ordered partitions spread over the replicas of a service.

A partitioned queue (``QueueSpec.partitions``, today the inbox's inbound messages) is N quorum queues
with single active consumer; a key's messages always go to the same partition (a header set by the
publisher, matched by a headers exchange: ``livechat_shared.topology``). Each partition is consumed
with a prefetch of 1 on a channel of its own, so its messages are applied one at a time in queue
order, while the partitions run concurrently.

**Who consumes which partition.** Every replica writes a heartbeat to ``partition_members`` in the
service's database (every ``heartbeat_seconds``, valid ``member_ttl_seconds``) and reads the live
members back; with the members sorted by id, partition ``p`` belongs to member ``p mod n``
(:func:`owned`). A replica consumes exactly the partitions it owns. So the partitions spread evenly
over the replicas, and the inbound rate grows with them:

- **a replica is added**: within one heartbeat every replica sees it; the current owners *yield*
  the partitions that move — the message in hand is finished and acked, then the partition's channel
  is closed, which returns a message delivered but not yet started to the head of the queue — and
  the new replica consumes them;
- **a replica stops** (graceful): it yields its partitions the same way and deletes its heartbeat,
  so the others take them over at their next heartbeat;
- **a replica dies mid-message** (``kill -9``, lost connection): the broker returns its unacked
  message to the queue; its heartbeat expires after ``member_ttl_seconds`` and the survivors take its
  partitions, starting with that message (the handler is idempotent, so a message whose
  transaction had committed is not applied twice).

Two replicas may briefly both subscribe to a partition (the new owner before the old one yielded,
or a replica wrongly thought dead): the queue's single active consumer keeps one of them active and
the other waiting, so a partition's messages are never applied concurrently or out of order. A
replica that cannot reach the database keeps what it consumes and retries its heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection
from faststream.exceptions import RejectMessage
from pymongo import ASCENDING, IndexModel

from .ids import utcnow
from .mongo import Mongo
from .telemetry import get_logger

log = get_logger(__name__)

MEMBERS = "partition_members"

Handle = Callable[[str, bytes, Mapping[str, Any]], Awaitable[None]]
"""Handles one message of a queue (its name, the body, the headers); raising ``RejectMessage``
dead-letters it, any other exception returns it to the queue."""


def owned(partitions: int, members: Sequence[str], me: str) -> set[int]:
    """The partitions ``me`` consumes: partition ``p`` belongs to the ``p mod n``-th of the sorted
    live members (``me`` counts as live)."""
    everyone = sorted({*members, me})
    index, count = everyone.index(me), len(everyone)
    return {p for p in range(partitions) if p % count == index}


class Members:
    """The live members of a group, from heartbeats in the service's database."""

    def __init__(self, mongo: Mongo, group: str, member: str, ttl_seconds: float) -> None:
        self.coll = mongo.db[MEMBERS]
        mongo.declare_indexes(
            MEMBERS,
            [
                IndexModel([("group", ASCENDING), ("expires_at", ASCENDING)]),
                IndexModel("expires_at", expireAfterSeconds=60),  # long-dead members cleaned up
            ],
        )
        self.group, self.member = group, member
        self.ttl = timedelta(seconds=ttl_seconds)

    async def beat(self) -> list[str]:
        """Renew this member's heartbeat; the live members (this one included)."""
        now = utcnow()
        await self.coll.update_one(
            {"_id": f"{self.group}:{self.member}"},
            {"$set": {"group": self.group, "member": self.member, "expires_at": now + self.ttl}},
            upsert=True,
        )
        docs = await self.coll.find(
            {"group": self.group, "expires_at": {"$gt": now}}, {"member": 1, "_id": 0}
        ).to_list()
        return sorted(str(d["member"]) for d in docs)

    async def leave(self) -> None:
        await self.coll.delete_one({"_id": f"{self.group}:{self.member}"})


@dataclass
class _Partition:
    channel: AbstractChannel
    busy: asyncio.Lock
    """Held while a message of this partition is handled: yielding waits for it."""


class PartitionedConsumer:
    """Consumes the partitions (``queues``) this replica owns; see the module's docstring."""

    def __init__(
        self,
        amqp_url: str,
        queues: Sequence[str],
        handle: Handle,
        members: Members,
        *,
        heartbeat_seconds: float = 2.0,
    ) -> None:
        self.amqp_url = amqp_url
        self.queues = tuple(queues)
        self.handle = handle
        self.members = members
        self.heartbeat = heartbeat_seconds
        self._partitions: dict[int, _Partition] = {}
        self._connection: AbstractRobustConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()
        """One rebalance at a time."""

    @property
    def consuming(self) -> set[int]:
        """The partitions this replica consumes now."""
        return set(self._partitions)

    async def start(self) -> None:
        self._stopping.clear()
        self._connection = await aio_pika.connect_robust(self.amqp_url, timeout=10)
        try:
            await self.rebalance()
        except Exception as exc:  # the database is down: consume once it answers
            log.warning("partitions_rebalance_failed", error=repr(exc))
        self._task = asyncio.create_task(self._keep_balanced(), name="partitions")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout=5.0)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        async with self._lock:
            for p in sorted(self._partitions):
                await self._yield(p)
        with contextlib.suppress(Exception):
            await self.members.leave()  # the others take over at their next heartbeat
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    async def rebalance(self) -> None:
        """Renew the heartbeat; yield what is no longer ours, take what became ours."""
        async with self._lock:
            if self._stopping.is_set():
                return
            want = owned(len(self.queues), await self.members.beat(), self.members.member)
            for p in sorted(set(self._partitions) - want):
                await self._yield(p)
            for p in sorted(want - set(self._partitions)):
                await self._take(p)

    async def _keep_balanced(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.heartbeat)
                return
            try:
                await self.rebalance()
            except Exception as exc:  # database or broker down: keep what we have, retry
                log.warning("partitions_rebalance_failed", error=repr(exc))

    async def _take(self, p: int) -> None:
        assert self._connection is not None
        channel = await self._connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=1)
        # passive (declared by ``declare_topology``), and tracked by the robust channel: after a lost
        # connection it is consumed again as it was
        queue = await channel.declare_queue(self.queues[p], passive=True)
        partition = _Partition(channel, asyncio.Lock())
        self._partitions[p] = partition
        await queue.consume(functools.partial(self._on_message, p, partition))
        log.info("partition_taken", queue=self.queues[p])

    async def _yield(self, p: int) -> None:
        partition = self._partitions.pop(p)
        async with partition.busy:  # the message in hand is finished and acked first
            with contextlib.suppress(Exception):
                await partition.channel.close()  # a delivered, unstarted message returns to the queue
        log.info("partition_yielded", queue=self.queues[p])

    async def _on_message(self, p: int, partition: _Partition, message: AbstractIncomingMessage) -> None:
        async with partition.busy:
            if self._partitions.get(p) is not partition:
                return  # yielded meanwhile: the channel's close returned this message to the queue
            await self._settle(self.queues[p], message)

    async def _settle(self, queue: str, message: AbstractIncomingMessage) -> None:
        try:
            await self.handle(queue, message.body, message.headers)
        except RejectMessage:
            await message.reject(requeue=False)  # dead-lettered
        except Exception as exc:  # redelivered until the queue's delivery limit dead-letters it
            log.warning("message_failed", queue=queue, error=repr(exc))
            await message.nack(requeue=True)
        else:
            await message.ack()
