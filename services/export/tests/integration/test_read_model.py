"""The read model is fed by the inbox's events on the real bus only: the newest snapshot of a chat
wins whatever the order, messages are kept once in their latest state, and a deleted chat is erased
for good — from the transcripts, the exports and the files already written."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

from livechat_dev.testing import eventually
from livechat_shared.contracts import Envelope, MessageCreatedV1
from livechat_shared.ids import new_id

from .conftest import T0, WS, World


async def test_the_newest_snapshot_wins_whatever_the_order_and_however_often(world: World) -> None:
    chat = new_id()
    await world.chat(chat, 3, description="third", status="pending")
    await world.chat(chat, 1, description="first")  # older, late
    await world.chat(chat, 3, description="third, again")  # the same version redelivered
    await world.chat(chat, 2, description="second")
    await world.applied_before(chat)
    body = await world.transcript_json(chat)
    assert (body["chat"]["version"], body["chat"]["description"], body["chat"]["status"]) == (
        3,
        "third",
        "pending",
    )

    await world.chat(chat, 4, description="fourth")
    body = await world.transcript_json(chat, version=4)
    assert body["chat"]["description"] == "fourth"


async def test_messages_are_kept_once_in_their_latest_state_even_before_their_chat(world: World) -> None:
    chat = new_id()
    first = await world.message(chat, "person", "Hello there", T0, chat_version=2)
    # the reply's delivery update overtakes its creation, and the first message is redelivered
    reply = await world.message(
        chat,
        "agent",
        "Hi!",
        T0 + timedelta(minutes=1),
        updated=True,
        chat_version=3,
        delivery="read",
        by={"id": "u-agent", "name": "Abe"},
    )
    await world.message(
        chat,
        "agent",
        "Hi!",
        reply.created_at,
        id=reply.id,
        seq=reply.seq,
        chat_version=3,
        delivery="pending",
        by={"id": "u-agent", "name": "Abe"},
    )
    await world.message(
        chat, "person", first.text, first.created_at, id=first.id, seq=first.seq, chat_version=2
    )
    await world.applied_before(chat)
    missing = await world.client.get(f"/v1/chats/{chat}/transcript", headers=world.auth("admin"))
    assert missing.status_code == 404  # messages alone make no chat: its snapshot has not come

    await world.chat(chat, 3)
    body = await world.transcript_json(chat, version=3, messages=2)
    assert [(m["id"], m["seq"], m["text"], m["delivery"]) for m in body["messages"]] == [
        (first.id, 1, "Hello there", None),
        (reply.id, 2, "Hi!", "read"),
    ]


async def test_each_message_is_counted_once_on_its_chat_whatever_the_order(world: World) -> None:
    """A chat's message statistics are kept on it as its messages are stored (an export reads them
    there): the reply, the AI's greeting and the person's first message arrive in the wrong order,
    some twice, a delivery update in between, the chat's snapshot last."""
    chat = new_id()
    agent = {"id": "u-agent", "name": "Abe"}
    reply = await world.message(chat, "agent", "On it", T0 + timedelta(seconds=95), seq=3, by=agent)
    first = await world.message(chat, "person", "Where is my order?", T0 + timedelta(seconds=20), seq=2)
    await world.message(chat, "ai", "Hello! How can I help?", T0, seq=1)  # before the person wrote
    again = {"id": first.id, "seq": 2}
    await world.message(chat, "person", first.text, first.created_at, **again)  # redelivered
    for delivery in ("delivered", "read"):  # the reply's delivery updates: the same message
        await world.message(
            chat,
            "agent",
            reply.text,
            reply.created_at,
            updated=True,
            id=reply.id,
            seq=3,
            by=agent,
            delivery=delivery,
            chat_version=2,
        )
    await world.message(chat, "person", "Thanks", T0 + timedelta(seconds=120), seq=4)
    await world.message(chat, "person", first.text, first.created_at, **again)  # and again, late
    await world.chat(chat, 2, status="resolved", updated_at=T0 + timedelta(minutes=10))
    await world.transcript_json(chat, version=2, messages=4)

    stored = await world.app.state.runtime.mongo.db["chats"].find_one({"_id": chat})
    assert stored is not None
    assert stored["stats"] | {"first_person_at": None, "first_reply_at": None} == {
        "total": 4,
        "person": 2,
        "agents": 1,
        "ai": 1,
        "last_seq": 4,
        "first_person_seq": 2,
        "first_person_at": None,
        "first_reply_seq": 3,
        "first_reply_at": None,
    }
    _, text = await world.export("admin", "csv", {"q": chat.lower()})
    (row,) = csv.DictReader(io.StringIO(text))
    counts = ("messages_total", "messages_person", "messages_agents", "messages_ai", "first_response_seconds")
    assert tuple(row[c] for c in counts) == ("4", "2", "1", "1", "75")

    # a deleted chat keeps nothing, and what comes for it later counts nothing
    await world.delete(chat)
    await world.message(chat, "person", "Hello?", T0 + timedelta(hours=1), seq=5)
    await world.applied_before(chat)
    tombstone = await world.app.state.runtime.mongo.db["chats"].find_one({"_id": chat})
    assert tombstone is not None and "stats" not in tombstone and tombstone["deleted"] is True
    assert await world.app.state.runtime.mongo.db["messages"].count_documents({"chat_id": chat}) == 0


async def test_a_deleted_chat_is_erased_with_the_files_that_hold_it(world: World) -> None:
    keep, gone = new_id(), new_id()
    await world.chat(keep, 1, description="keep me")
    await world.chat(gone, 2, description="delete me")
    await world.message(gone, "person", "my secret address", T0)
    await world.transcript_json(keep)
    await world.transcript_json(gone, messages=1)
    export_id, text = await world.export("admin", "csv")
    assert {r["id"] for r in csv.DictReader(io.StringIO(text))} == {keep, gone}

    await world.delete(keep, workspace_id="ws-elsewhere")  # another workspace's deletion: not this chat
    await world.delete(gone)

    async def erased() -> bool:
        response = await world.client.get(f"/v1/chats/{gone}/transcript", headers=world.auth("admin"))
        return response.status_code == 404

    await eventually(erased)

    async def file_dropped() -> dict | None:
        body = (await world.client.get(f"/v1/exports/{export_id}", headers=world.auth("admin"))).json()
        return body if body["status"] == "deleted" else None

    dropped = await eventually(file_dropped)
    assert "deleted" in dropped["error"]
    download = await world.client.get(f"/v1/exports/{export_id}/download", headers=world.auth("admin"))
    assert download.status_code == 410, download.text
    assert download.json()["error"]["code"] == "export_gone"
    db = world.app.state.runtime.mongo.db
    assert await db["export_files.files"].count_documents({"metadata.export_id": export_id}) == 0
    assert await db["export_files.chunks"].count_documents({}) == 0

    # events of the chat that come late (or again) do not bring it back
    await world.chat(gone, 9, description="late snapshot")
    await world.message(gone, "person", "late secret", T0 + timedelta(hours=1))
    await world.delete(gone)
    await world.applied_before(gone)
    assert (
        await world.client.get(f"/v1/chats/{gone}/transcript", headers=world.auth("admin"))
    ).status_code == 404
    assert await db["messages"].count_documents({"chat_id": gone}) == 0
    tombstone = await db["chats"].find_one({"_id": gone})
    assert tombstone is not None and set(tombstone) == {"_id", "workspace_id", "deleted", "deleted_at"}
    assert tombstone["workspace_id"] == WS

    # and later exports do not hold it, nor find it by its words
    _, text = await world.export("admin", "csv")
    assert {r["id"] for r in csv.DictReader(io.StringIO(text))} == {keep}
    _, text = await world.export("admin", "jsonl", {"q": "secret"})
    assert text == ""
    assert (await world.transcript_json(keep))["chat"]["description"] == "keep me"


async def test_events_of_many_chats_at_once_are_each_counted_once(world: World) -> None:
    """The partitions' events are stored in groups (``projection.batching``): many chats' snapshots
    and messages published at once, each message twice and some snapshots late, end with every
    chat's newest snapshot and every message counted once."""
    chats = [new_id() for _ in range(24)]
    events = []
    for chat in chats:
        events += [("message", chat, seq) for seq in (1, 2, 3)]
        events += [("snapshot", chat, 2), ("message", chat, 2), ("snapshot", chat, 1)]  # late, again
    sent = {
        (chat, seq): world.message_view(
            chat,
            "person" if seq != 2 else "agent",
            f"words{seq} of {chat}",
            T0 + timedelta(seconds=seq),
            seq=seq,
        )
        for chat in chats
        for seq in (1, 2, 3)
    }
    await asyncio.gather(
        *(
            world.chat(chat, n, description=f"version {n}")
            if kind == "snapshot"
            else world.publish(
                Envelope.wrap(
                    MessageCreatedV1(chat_version=1, teamspace_id="ts-1", mode="live", message=sent[chat, n]),
                    workspace_id=WS,
                    chat_id=chat,
                )
            )
            for kind, chat, n in events
        )
    )
    for chat in chats:
        await world.transcript_json(chat, version=2, messages=3)
    stored = {
        doc["_id"]: doc
        async for doc in world.app.state.runtime.mongo.db["chats"].find({"_id": {"$in": chats}})
    }
    assert {chat: (doc["description"], doc["stats"]["total"]) for chat, doc in stored.items()} == {
        chat: ("version 2", 3) for chat in chats
    }
    assert all(
        doc["stats"]["person"] == 2 and doc["stats"]["first_reply_seq"] == 2 for doc in stored.values()
    )
