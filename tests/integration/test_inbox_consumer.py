"""The inbox consumes inbound messages exactly once in effect, against the real broker and database."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json

import aio_pika
import pytest
from inbox.app import create_app
from inbox.inbound.handlers import on_message_received
from inbox.messages.handlers import on_delivery_updated
from inbox.settings import Settings
from livechat_dev.testing import directory_user, eventually, running, seed_directory, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.bus import queue_names
from livechat_shared.contracts import Envelope, MessageReceivedV1, PersonRef
from livechat_shared.ids import new_id, utcnow
from livechat_shared.topology import INBOX_INBOUND, partition_header

WS = "ws-test"


def received(external_message_id: str, visitor: str = "visitor-0001", text: str = "hi") -> Envelope:
    event = MessageReceivedV1(
        app_id="app-1",
        app_name="Site",
        teamspace_id="ts-1",
        team_ids=["team-1"],
        channel="webchat",
        external_message_id=external_message_id,
        person=PersonRef(external_id=visitor, name="Ann"),
        text=text,
        received_at=utcnow(),
    )
    return Envelope.wrap(event, workspace_id=WS)


async def publish(
    settings: Settings, *bodies: str | bytes, routing_key: str, headers: list[dict[str, str]] | None = None
) -> None:
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(settings.exchange)
        for n, body in enumerate(bodies):
            raw = body.encode() if isinstance(body, str) else body
            message = aio_pika.Message(
                raw, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, headers=headers[n] if headers else None
            )
            await exchange.publish(message, routing_key=routing_key)


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return settings_from(Settings, env, delivery_limit=2)


@pytest.fixture
async def admin(settings: Settings) -> dict[str, str]:
    await seed_directory(settings, directory_user("u-admin", WS, "admin"))
    token = issue_token(settings, user_id="u-admin", workspace_id=WS)
    return {"Authorization": f"Bearer {token}"}


async def chats_and_messages(
    client, admin, page_size: int = 50, limit: int = 100
) -> tuple[list[dict], list[dict]]:
    chats = (await client.get("/v1/chats", headers=admin, params={"page_size": page_size})).json()["items"]
    messages: list[dict] = []
    for chat in chats:
        page = await client.get(f"/v1/chats/{chat['id']}/messages", headers=admin, params={"limit": limit})
        messages += page.json()["items"]
    return chats, messages


async def test_same_event_delivered_twice_stores_one_message(settings: Settings, admin) -> None:
    app = create_app(settings)
    envelope = received("v1:m1")
    async with running(app) as client:
        await publish(
            settings, envelope.model_dump_json(), envelope.model_dump_json(), routing_key=envelope.routing_key
        )
        # The same provider message again under a new event id (a channel redelivery) is also dropped.
        again = received("v1:m1")
        await publish(settings, again.model_dump_json(), routing_key=again.routing_key)
        marker = received("v1:m2", text="after")
        await publish(settings, marker.model_dump_json(), routing_key=marker.routing_key)

        async def settled():
            chats, messages = await chats_and_messages(client, admin)
            return (chats, messages) if any(m["text"] == "after" for m in messages) else None

        _, messages = await eventually(settled)
        chats, _ = await chats_and_messages(client, admin)
    assert len(chats) == 1
    assert [m["text"] for m in messages] == ["hi", "after"]
    assert [m["seq"] for m in messages] == [1, 2]
    assert chats[0]["version"] == 2 and chats[0]["mode"] == "ai" and chats[0]["person"]["name"] == "Ann"


async def test_concurrent_first_messages_of_one_person_make_one_chat(settings: Settings, admin) -> None:
    # Two replicas (two service instances on the same database) race on one person's first messages.
    one, two = create_app(settings), create_app(settings)
    first, second = received("v1:a"), received("v1:b")
    async with running(one) as client, running(two):
        await asyncio.gather(
            on_message_received(one.state.inbound)(first), on_message_received(two.state.inbound)(second)
        )
        chats, messages = await chats_and_messages(client, admin)
    assert len(chats) == 1
    assert sorted(m["seq"] for m in messages) == [1, 2]
    assert chats[0]["version"] == 2


async def test_many_concurrent_first_messages_from_many_people(settings: Settings, admin) -> None:
    replicas = [create_app(settings), create_app(settings)]
    envelopes = [received(f"p{p}:m{m}", visitor=f"visitor-{p:04d}") for p in range(5) for m in range(3)]
    async with running(replicas[0]) as client, running(replicas[1]):
        await asyncio.gather(
            *(on_message_received(replicas[i % 2].state.inbound)(e) for i, e in enumerate(envelopes))
        )
        chats, messages = await chats_and_messages(client, admin)
    assert len(chats) == 5
    assert len(messages) == 15
    for chat in chats:
        assert chat["version"] == 3
        assert sorted(m["seq"] for m in messages if m["chat_id"] == chat["id"]) == [1, 2, 3]


async def test_poison_message_is_dead_lettered_and_consumer_keeps_going(settings: Settings, admin) -> None:
    app = create_app(settings)
    good = received("v1:good", text="still working")
    # A valid envelope whose payload breaks the contract: the handler fails on every delivery.
    broken = Envelope.wrap(MessageReceivedV1.model_construct(), workspace_id=WS)  # type: ignore[call-arg]
    broken_body = json.dumps({**json.loads(broken.model_dump_json()), "payload": {"app_id": 7}})
    async with running(app) as client:
        await publish(settings, b"\x00not json at all", broken_body, routing_key=good.routing_key)
        await publish(settings, good.model_dump_json(), routing_key=good.routing_key)

        async def stored():
            _, messages = await chats_and_messages(client, admin)
            return messages

        messages = await eventually(stored)
        assert [m["text"] for m in messages] == ["still working"]

        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel()
            # the bad bodies carry no partition header: they go to partition 0, and from there to its DLQ
            dlq = await channel.declare_queue(f"{queue_names(settings, INBOX_INBOUND)[0]}.dlq", passive=True)

            async def dead_lettered():
                got = await dlq.get(no_ack=True, fail=False)
                return got

            bodies = [(await eventually(dead_lettered)).body, (await eventually(dead_lettered)).body]
    assert b"\x00not json at all" in bodies
    assert broken_body.encode() in bodies


async def test_outbox_survives_unconfirmed_publish(settings: Settings, admin) -> None:
    """Events written with a change stay in the outbox until the broker confirms them."""
    app = create_app(settings)
    outbox = app.state.outbox
    on_received = on_message_received(app.state.inbound)
    async with running(app):
        await outbox.stop()  # no relay: the events must wait in the outbox
        await on_received(received("v1:x"))
        assert await outbox.pending() == 2  # chat.changed + message.created
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(settings.exchange)
            probe = await channel.declare_queue(f"{settings.queue_prefix}probe-{new_id()}", exclusive=True)
            await probe.bind(exchange, routing_key="inbox.#")
            assert await outbox.relay_once() == 2
            got = [await eventually(lambda: probe.get(no_ack=True, fail=False)) for _ in range(2)]
        assert await outbox.pending() == 0
    types = sorted(Envelope.model_validate_json(m.body).type for m in got)
    assert types == ["inbox.chat.changed", "inbox.message.created"]


async def test_delivery_reports_move_a_reply_forward_only(settings: Settings, admin) -> None:
    from livechat_shared.contracts import DeliveryUpdatedV1

    app = create_app(settings)
    on_received = on_message_received(app.state.inbound)
    on_delivery = on_delivery_updated(app.state.messages)
    async with running(app) as client:
        await on_received(received("v1:q", text="question"))
        chat = (await client.get("/v1/chats", headers=admin)).json()["items"][0]
        reply = (
            await client.post(
                f"/v1/chats/{chat['id']}/messages",
                headers=admin,
                json={"text": "answer", "client_message_id": "a1"},
            )
        ).json()
        assert reply["delivery"] == "pending"

        def report(state: str) -> Envelope:
            update = DeliveryUpdatedV1(
                app_id="app-1", chat_id=chat["id"], message_id=reply["id"], state=state, at=utcnow()
            )
            return Envelope.wrap(update, workspace_id=WS, chat_id=chat["id"])

        async def delivery() -> str:
            items = (await client.get(f"/v1/chats/{chat['id']}/messages", headers=admin)).json()["items"]
            return next(m["delivery"] for m in items if m["id"] == reply["id"])

        for state, expected in [
            ("delivered", "delivered"),
            ("sent", "delivered"),
            ("failed", "delivered"),
            ("read", "read"),
            ("delivered", "read"),
        ]:
            await on_delivery(report(state))
            assert await delivery() == expected, state
        # Over the bus too, and a report about an unknown message is acked and ignored.
        unknown = DeliveryUpdatedV1(
            app_id="app-1", chat_id=chat["id"], message_id="nope", state="sent", at=utcnow()
        )
        await publish(
            settings,
            Envelope.wrap(unknown, workspace_id=WS).model_dump_json(),
            routing_key=DeliveryUpdatedV1.routing_key(),
        )
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(f"{settings.queue_prefix}inbox.deliveries", passive=True)
            dlq = await channel.declare_queue(f"{settings.queue_prefix}inbox.deliveries.dlq", passive=True)

            async def drained():
                q, d = (
                    await channel.declare_queue(queue.name, passive=True),
                    await channel.declare_queue(dlq.name, passive=True),
                )
                return q.declaration_result.message_count == 0 and d.declaration_result.message_count == 0

            await eventually(drained)
        assert await delivery() == "read"


async def test_sync_pages_through_changes_and_resumes_from_its_cursor(settings: Settings, admin) -> None:
    app = create_app(settings)
    on_received = on_message_received(app.state.inbound)
    async with running(app) as client:
        for person in range(3):
            await on_received(received(f"s{person}:1", visitor=f"visitor-{person:04d}"))

        async def page(since: str, limit: int = 2) -> dict:
            response = await client.get("/v1/sync", headers=admin, params={"since": since, "limit": limit})
            assert response.status_code == 200, response.text
            return response.json()

        first = await page("2000-01-01T00:00:00Z")
        assert len(first["items"]) == 2 and first["more"] is True
        second = await page(first["cursor"])
        assert len(second["items"]) == 1 and second["more"] is False
        seen = [c["id"] for c in first["items"] + second["items"]]
        assert len(set(seen)) == 3
        assert (await page(second["cursor"]))["items"] == []

        # A change after the cursor comes back as the chat's newest snapshot.
        await on_received(received("s0:2", visitor="visitor-0000", text="again"))
        changed = await page(second["cursor"])
        assert [(c["person"]["id"] != "", c["version"]) for c in changed["items"]] == [(True, 2)]

        await seed_directory(settings, directory_user("u-x", WS, "agent", team_ids=("team-9",)))
        other_team = issue_token(settings, user_id="u-x", workspace_id=WS)
        hidden = await client.get(
            "/v1/sync",
            headers={"Authorization": f"Bearer {other_team}"},
            params={"since": "2000-01-01T00:00:00Z"},
        )
        assert hidden.json()["items"] == []
        bad = await client.get("/v1/sync", headers=admin, params={"since": "yesterday"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("replicas", [1, 3])
async def test_a_persons_messages_are_applied_in_the_order_sent(
    settings: Settings, admin, replicas: int
) -> None:
    """Messages taken from the queue concurrently could overtake each other; one active consumer
    taking one message at a time keeps them in order, whatever the number of replicas."""
    apps = [create_app(settings) for _ in range(replicas)]
    envelopes = [received(f"o:{n}", text=f"in order {n}") for n in range(30)]
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(running(app)) for app in apps]
        client = clients[0]
        await publish(
            settings, *(e.model_dump_json() for e in envelopes), routing_key=envelopes[0].routing_key
        )

        async def all_stored():
            _, messages = await chats_and_messages(client, admin)
            return messages if len(messages) == 30 else None

        messages = await eventually(all_stored)
    in_seq_order = [m["text"] for m in sorted(messages, key=lambda m: m["seq"])]
    assert in_seq_order == [f"in order {n}" for n in range(30)]


def inbound_handled(app) -> float:
    """How many inbound messages this replica applied (its /metrics counter, over every partition)."""
    return sum(
        sample.value
        for metric in app.state.runtime.registry.collect()
        if metric.name == "livechat_bus_handled_messages"
        for sample in metric.samples
        if sample.name.endswith("_total")
        and ".inbox.inbound.p" in sample.labels.get("queue", "")
        and sample.labels.get("outcome") == "ack"
    )


async def test_one_persons_rapid_messages_stay_in_order_while_others_write_across_two_replicas(
    settings: Settings, admin
) -> None:
    """50 rapid messages of one person, interleaved with 20 other people's, published as ingest does
    (with the partition header), consumed by two replicas that share the partitions."""
    settings = settings.model_copy(update={"partition_heartbeat_seconds": 0.2})
    apps = [create_app(settings), create_app(settings)]
    rapid = [received(f"r:{n}", visitor="visitor-rapid", text=f"rapid {n}") for n in range(50)]
    others = [
        received(f"o{p}:{n}", visitor=f"visitor-{p:04d}", text=f"other {p} {n}")
        for n in range(4)
        for p in range(20)
    ]
    interleaved = [e for pair in itertools.zip_longest(rapid, others) for e in pair if e is not None]
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(running(app)) for app in apps]
        await eventually(lambda: spread(apps))  # the second replica took its half

        await publish(
            settings,
            *(e.model_dump_json() for e in interleaved),
            routing_key=rapid[0].routing_key,
            headers=[
                partition_header(e.routing_key, e.payload, partitions=settings.partitions)
                for e in interleaved
            ],
        )

        async def all_stored():
            _, messages = await chats_and_messages(clients[0], admin, page_size=200, limit=500)
            return messages if len(messages) == len(interleaved) else None

        messages = await eventually(all_stored, within=60)
        handled = [inbound_handled(app) for app in apps]
    by_chat: dict[str, list[dict]] = {}
    for m in messages:
        by_chat.setdefault(m["chat_id"], []).append(m)
    texts = {tuple(m["text"] for m in sorted(ms, key=lambda m: m["seq"])) for ms in by_chat.values()}
    assert tuple(f"rapid {n}" for n in range(50)) in texts
    for p in range(20):
        assert tuple(f"other {p} {n}" for n in range(4)) in texts
    assert len(by_chat) == 21
    assert sum(handled) == len(interleaved)  # each message applied once, by one of the replicas
    assert all(handled), handled  # and both replicas applied some: the partitions are shared


def partition_count(app) -> int:
    """How many partitions the app's inbound queue has (the ``partitions`` setting, or its own)."""
    return INBOX_INBOUND.sized(app.state.runtime.settings.partitions).partitions


async def spread(apps: list) -> bool:
    """Every partition consumed by exactly one of ``apps``, each consuming its share."""
    shares = [app.state.runtime.partitions[0].consuming for app in apps]
    every = set().union(*shares)
    return (
        every == set(range(partition_count(apps[0]))) and sum(map(len, shares)) == len(every) and all(shares)
    )


async def test_partitions_move_to_a_new_replica_and_back_without_losing_or_reordering(
    settings: Settings, admin
) -> None:
    """A second replica joins while one person writes: the first yields half the partitions (the
    message in hand finished first); the second stops gracefully mid-stream and the first takes them
    back. Every message is stored once, in order."""
    settings = settings.model_copy(update={"partition_heartbeat_seconds": 0.2})
    first, second = create_app(settings), create_app(settings)
    people = [f"visitor-{p:04d}" for p in range(8)]
    waves = [
        [received(f"{v}:{wave}:{n}", visitor=v, text=f"{v} {wave} {n}") for n in range(10) for v in people]
        for wave in range(3)
    ]

    async def send(events: list[Envelope]) -> None:
        await publish(
            settings,
            *(e.model_dump_json() for e in events),
            routing_key=events[0].routing_key,
            headers=[
                partition_header(e.routing_key, e.payload, partitions=settings.partitions) for e in events
            ],
        )

    async with running(first) as client:
        assert first.state.runtime.partitions[0].consuming == set(range(partition_count(first)))
        await send(waves[0])
        async with running(second):
            await eventually(lambda: spread([first, second]))
            await send(waves[1])

            async def second_busy() -> bool:
                return inbound_handled(second) >= 5

            await eventually(second_busy)  # and it stops while the wave is still being applied

        async def all_back() -> bool:
            return first.state.runtime.partitions[0].consuming == set(range(partition_count(first)))

        await eventually(all_back)
        await send(waves[2])
        messages = await eventually(lambda: stored(client, admin, 240), within=60)
    assert inbound_handled(first) + inbound_handled(second) == 240
    for v in people:
        mine = sorted((m for m in messages if m["text"].startswith(f"{v} ")), key=lambda m: m["seq"])
        assert [m["text"] for m in mine] == [f"{v} {w} {n}" for w in range(3) for n in range(10)]


async def stored(client, admin, count: int) -> list[dict] | None:
    _, messages = await chats_and_messages(client, admin, page_size=200, limit=500)
    return messages if len(messages) == count else None


def counter(app, name: str, **labels: str) -> float:
    """A counter of the app's ``/metrics`` registry, summed over the samples whose labels contain
    ``labels``' values."""
    return sum(
        sample.value
        for metric in app.state.runtime.registry.collect()
        if metric.name == name
        for sample in metric.samples
        if sample.name == f"{name}_total" and all(v in sample.labels.get(k, "") for k, v in labels.items())
    )


async def test_an_inbound_message_costs_four_commands_and_three_bus_messages(
    settings: Settings, admin
) -> None:
    """Read off the service's own counters: applying a message of a known chat is one transaction of
    four commands (the chat, the message, the outbox events, the commit); relaying its two events
    costs a share of one ``delete_many``; no read, no claim on the fast path."""
    app = create_app(settings)
    people = [f"visitor-{p:04d}" for p in range(10)]
    first = [received(f"{v}:0", visitor=v) for v in people]
    then = [received(f"{v}:{n}", visitor=v, text=f"{v} {n}") for n in range(1, 11) for v in people]

    async def send(events: list[Envelope]) -> None:
        await publish(
            settings,
            *(e.model_dump_json() for e in events),
            routing_key=events[0].routing_key,
            headers=[
                partition_header(e.routing_key, e.payload, partitions=settings.partitions) for e in events
            ],
        )

    def commands() -> float:
        return counter(app, "mongodb_commands")

    def relayed() -> float:
        return counter(app, "livechat_bus_published_messages", outcome="ok")

    async with running(app):
        await send(first)  # every chat exists before the measured messages

        async def relayed_all(count: int) -> bool:
            return relayed() >= count and await app.state.outbox.pending() == 0

        await eventually(lambda: relayed_all(2 * len(first)))
        before = commands()
        await send(then)
        await eventually(lambda: relayed_all(2 * (len(first) + len(then))))
        used = commands() - before
        relayed_events = relayed()
        inbound = counter(app, "livechat_bus_handled_messages", queue=".inbox.inbound.p", outcome="ack")
    assert inbound == len(first) + len(then)  # each applied once
    assert relayed_events == 2 * inbound  # chat.changed and message.created, each published once
    # four per message, plus the batched deletes, the partition heartbeats and the idle polls
    assert 4 * len(then) <= used <= 4.5 * len(then), used
