"""Shared stores against the real database and broker: the rate limiter, the directory copy, and
the outbox parking an event the broker keeps refusing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aio_pika
import pytest
from inbox.app import create_app
from inbox.inbound.handlers import on_message_received
from inbox.settings import Settings
from livechat_dev.testing import directory_user, eventually, running, settings_from
from livechat_shared.bus import BrokerPing
from livechat_shared.contracts import Envelope, MessageReceivedV1, PersonRef
from livechat_shared.directory import DirectoryCopy
from livechat_shared.errors import RateLimited
from livechat_shared.ids import new_id, utcnow
from livechat_shared.mongo import Mongo
from livechat_shared.outbox import EPOCH, Outbox
from livechat_shared.ratelimit import Limit, RateLimiter
from livechat_shared.settings import ServiceSettings
from livechat_shared.topology import PARTITION_HEADER, partition_of
from prometheus_client import CollectorRegistry
from pymongo import IndexModel


@pytest.fixture
async def mongo(env: dict[str, str]) -> AsyncIterator[Mongo]:
    store = Mongo.from_settings(settings_from(ServiceSettings, env, service_name="stores"))
    yield store
    await store.close()


async def test_a_limit_is_shared_by_every_limiter_on_the_database(mongo: Mongo) -> None:
    replicas = [RateLimiter(mongo), RateLimiter(mongo)]
    await mongo.create_indexes()
    limit = Limit(10, 60, "messages")
    now = 1_800_000_000.0  # the start of a window

    outcomes = await asyncio.gather(
        *(replicas[i % 2].hit("visitor-1", limit, now=now + 1) for i in range(25)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, RateLimited)]
    assert len(refused) == 15 and outcomes.count(None) == 10
    assert {r.retry_after for r in refused} == {59}
    assert refused[0].code == "rate_limited" and "messages" in refused[0].message
    # another key is counted apart, and the next window starts afresh
    await replicas[0].hit("visitor-2", limit, now=now + 1)
    await replicas[1].hit("visitor-1", limit, now=now + 60)
    # a limit of 0 is no limit
    for _ in range(30):
        await replicas[0].hit("visitor-1", Limit(0), now=now)


async def test_hits_far_from_a_limit_are_counted_locally_and_written_in_one_batch(mongo: Mongo) -> None:
    one, two = RateLimiter(mongo, flush_seconds=3600), RateLimiter(mongo, flush_seconds=3600)  # flushed here
    await mongo.create_indexes()
    counters = mongo.db["rate_limits"]
    limit = Limit(160, 60, "messages")  # a replica decides alone on 160 // 16 = 10 hits at first
    now = 1_800_000_000.0 + 1
    try:
        for key in ("visitor-1", "visitor-2"):
            for _ in range(10):
                await one.hit(key, limit, now=now)
        assert await counters.count_documents({}) == 0  # no round trip yet
        await one.flush()  # both counters in one bulk write, their shared counts read back
        assert {d["_id"]: d["n"] for d in await counters.find().to_list()} == {
            "messages:visitor-1:30000000": 10,
            "messages:visitor-2:30000000": 10,
        }
        # the other replica, nearer the limit by what it has read, writes its hits sooner
        await two.hit("visitor-1", limit, now=now)  # its first hit, far from the limit: local
        assert (await counters.find_one({"_id": "messages:visitor-1:30000000"}) or {})["n"] == 10
        await two.flush()
        for _ in range(9):  # (160 - 11) // 16 = 9 alone
            await two.hit("visitor-1", limit, now=now)
        await two.hit("visitor-1", limit, now=now)  # the 10th is written at once, with the 9 pending
        assert (await counters.find_one({"_id": "messages:visitor-1:30000000"}) or {})["n"] == 21
    finally:
        await one.close()
        await two.close()


async def test_replicas_sharing_a_limit_overshoot_it_by_a_bounded_few_at_most(mongo: Mongo) -> None:
    replicas = [RateLimiter(mongo, flush_seconds=0.01) for _ in range(2)]
    await mongo.create_indexes()
    limit = Limit(160, 60, "messages")
    now = 1_800_000_000.0 + 1

    async def hit(n: int) -> bool:
        await asyncio.sleep(n % 7 * 0.003)
        try:
            await replicas[n % 2].hit("visitor-1", limit, now=now)
        except RateLimited:
            return False
        return True

    try:
        admitted = sum(await asyncio.gather(*(hit(n) for n in range(400))))
        for replica in replicas:
            await replica.flush()
        # never fewer than the limit; more by at most what each replica decides alone (160 // 16)
        assert 160 <= admitted <= 160 + 2 * 10, admitted
        counted = await mongo.db["rate_limits"].find_one({"_id": "messages:visitor-1:30000000"})
        assert counted is not None and counted["n"] >= admitted
    finally:
        for replica in replicas:
            await replica.close()


async def test_the_directory_copy_keeps_the_newest_snapshot(mongo: Mongo) -> None:
    copy = DirectoryCopy(mongo)
    assert await copy.user("u-1") is None
    assert await copy.apply(directory_user("u-1", "ws", "admin", version=2))
    assert not await copy.apply(directory_user("u-1", "ws", "agent", version=1))  # late
    assert not await copy.apply(directory_user("u-1", "ws", "agent", version=2))  # repeated
    kept = await copy.user("u-1")
    assert kept is not None and (kept.role, kept.version) == ("admin", 2)
    assert await copy.apply(directory_user("u-1", "ws", "agent", version=3, active=False))
    kept = await copy.user("u-1")
    assert kept is not None and (kept.role, kept.active, kept.version) == ("agent", False, 3)


def received(external_id: str) -> Envelope:
    event = MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        channel="webchat",
        external_message_id=external_id,
        person=PersonRef(external_id="visitor-0001"),
        text="hi",
        received_at=utcnow(),
    )
    return Envelope.wrap(event, workspace_id="ws-1")


async def test_a_poisoned_event_is_parked_and_the_events_after_it_are_relayed(env: dict[str, str]) -> None:
    settings = settings_from(Settings, env)
    app = create_app(settings)
    runtime = app.state.runtime
    async with running(app):
        await app.state.outbox.stop()  # this test drives its own relay
        registry = CollectorRegistry()
        relay = Outbox(
            runtime.mongo,
            runtime.publisher,
            health=BrokerPing(runtime.broker),
            retry_seconds=0,
            registry=registry,
        )
        # An event no broker can carry (a correlation id beyond AMQP's 255 bytes), first in line.
        poisoned = {
            "_id": "0" + new_id()[1:],
            "routing_key": "inbox.chat.changed.v1",
            "correlation_id": "x" * 8000,
            "body": "{}",
            "trace": {},
            "lease_until": EPOCH,
        }
        await relay.coll.insert_one(poisoned)
        await on_message_received(app.state.inbound)(received("m-1"))
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(settings.exchange)
            probe = await channel.declare_queue(f"{settings.queue_prefix}probe-{new_id()}", exclusive=True)
            await probe.bind(exchange, routing_key="inbox.#")

            relayed = 0
            for _ in range(5):
                relayed += await relay.relay_once()
            got = [await eventually(lambda: probe.get(no_ack=True, fail=False)) for _ in range(2)]

        assert relayed == 2
        assert sorted(Envelope.model_validate_json(m.body).type for m in got) == [
            "inbox.chat.changed",
            "inbox.message.created",
        ]
        # An event for a partitioned queue keeps its partition through the outbox (the AI agent's
        # conversations are partitioned by chat), not only events published directly.
        [created] = [m for m in got if Envelope.model_validate_json(m.body).type == "inbox.message.created"]
        chat_id = Envelope.model_validate_json(created.body).chat_id
        assert chat_id is not None and settings.partitions == 2
        assert created.headers[PARTITION_HEADER] == str(partition_of(chat_id, settings.partitions))
        assert await relay.pending() == 0
        parked = await relay.parked.find_one({"_id": poisoned["_id"]})
        assert parked is not None and parked["attempts"] == 3 and parked["error"]
        assert registry.get_sample_value("outbox_parked_total") == 1  # the metric /metrics shows


async def test_retired_indexes_are_dropped_at_start_where_they_exist(mongo: Mongo) -> None:
    """An upgraded database still has the indexes an earlier version made; every write would keep
    paying for them. A fresh database has none to drop, and a second start finds nothing to do."""
    coll = mongo.db["things"]
    await coll.create_index([("workspace_id", 1), ("updated_at", 1)])  # what the old version made
    mongo.declare_indexes("things", [IndexModel([("workspace_id", 1), ("at", -1)], name="things_by_at")])
    mongo.retire_indexes("things", ["workspace_id_1_updated_at_1", "never_made"])
    await mongo.create_indexes()
    assert {i["name"] async for i in await coll.list_indexes()} == {"_id_", "things_by_at"}
    await mongo.create_indexes()  # idempotent
    assert {i["name"] async for i in await coll.list_indexes()} == {"_id_", "things_by_at"}

    mongo.retire_indexes("things", ["things_by_at"])  # a mistake: declared and retired
    with pytest.raises(ValueError, match="both declared and retired"):
        await mongo.create_indexes()
    assert {i["name"] async for i in await coll.list_indexes()} == {"_id_", "things_by_at"}
