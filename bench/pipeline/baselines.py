"""The raw baselines, measured before the load on the same broker and database server: what one
RabbitMQ hop and one database insert cost when nothing of ours is in the way."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
from pymongo import AsyncMongoClient


@dataclass
class Baseline:
    what: str
    count: int
    seconds: float
    detail: str

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"rate_per_second": round(self.rate, 1)}


async def amqp_hop(
    amqp_url: str, queue: str, *, count: int = 5000, in_flight: int = 256, limit_seconds: float = 120.0
) -> Baseline:
    """One quorum-queue hop: ``count`` persistent messages published with publisher confirms (at
    most ``in_flight`` confirms outstanding) on one connection, consumed and acknowledged on another
    (prefetch ``in_flight``); the rate is from the first publish to the last message consumed."""
    body = os.urandom(150).hex().encode()  # about the size of a small event envelope
    publisher = await aio_pika.connect(amqp_url, timeout=10)
    consumer = await aio_pika.connect(amqp_url, timeout=10)
    try:
        consume_channel = await consumer.channel()
        await consume_channel.set_qos(prefetch_count=in_flight)
        declared = await consume_channel.declare_queue(
            queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        received = 0
        done = asyncio.Event()
        last = 0.0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received, last
            await message.ack()
            received += 1
            if received >= count:
                last = time.perf_counter()
                done.set()

        tag = await declared.consume(on_message)
        channel = await publisher.channel(publisher_confirms=True)
        slots = asyncio.Semaphore(in_flight)
        pending: set[asyncio.Task[None]] = set()

        async def publish(i: int) -> None:
            try:
                await channel.default_exchange.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=str(i)),
                    routing_key=queue,
                )
            finally:
                slots.release()

        async with asyncio.timeout(limit_seconds):
            first = time.perf_counter()
            for i in range(count):
                await slots.acquire()
                task = asyncio.create_task(publish(i))
                pending.add(task)
                task.add_done_callback(pending.discard)
            await asyncio.gather(*pending)
            await done.wait()
        await declared.cancel(tag)
        return Baseline(
            "rabbitmq quorum-queue hop",
            count,
            last - first,
            f"persistent, publisher confirms ({in_flight} in flight), consumer acks (prefetch {in_flight})",
        )
    finally:
        with contextlib.suppress(Exception):
            cleanup = await publisher.channel()
            await cleanup.queue_delete(queue)
        await publisher.close()
        await consumer.close()


async def database_inserts(
    mongo_url: str, database: str, *, count: int = 3000, clients: int = 32, limit_seconds: float = 300.0
) -> Baseline:
    """``count`` ``insert_one`` calls from ``clients`` concurrent tasks on one ``AsyncMongoClient``
    (each task on a connection of its own from the pool), into a scratch database dropped after."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo_url, maxPoolSize=clients + 4, serverSelectionTimeoutMS=15_000
    )
    try:
        collection = client[database]["inserts"]
        await collection.insert_one({"warm": True})  # connect and create the collection first
        next_index = 0

        async def worker() -> None:
            nonlocal next_index
            while next_index < count:
                i = next_index
                next_index += 1
                await collection.insert_one({"i": i, "text": "x" * 100, "at": datetime.now(UTC)})

        async with asyncio.timeout(limit_seconds):
            first = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(clients)))
            seconds = time.perf_counter() - first
        options = mongo_url.split("?", 1)[1] if "?" in mongo_url else "driver defaults"
        return Baseline("database insert_one", count, seconds, f"{clients} concurrent clients ({options})")
    finally:
        with contextlib.suppress(Exception):
            await client.drop_database(database)
        await client.close()
