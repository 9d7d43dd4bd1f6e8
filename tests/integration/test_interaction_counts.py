"""``GET /v1/interactions`` when chats are deleted (real broker and database): each message to or
from a person counted once, however often it arrives; deleting chats lowers nothing (their
messages' counts are kept, per UTC hour, by the deletion's transaction); a window split within a
period counts the stored messages to the instant on each side, and erased ones by the hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from inbox.inbound.handlers import on_message_received
from livechat_shared.contracts import Envelope, MessageReceivedV1, PersonRef
from livechat_shared.ids import utcnow
from livechat_shared.writer import RaceLost

from .conftest import WS, LiveInbox


def received(
    external_message_id: str, visitor: str = "visitor-0001", at: datetime | None = None
) -> MessageReceivedV1:
    return MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        team_ids=["team-1"],
        channel="webchat",
        external_message_id=external_message_id,
        person=PersonRef(external_id=visitor),
        text="where is my parcel?",
        received_at=at or utcnow(),
    )


async def interactions(
    inbox: LiveInbox, start: datetime, end: datetime, period: str = "day"
) -> dict[str, Any]:
    params = {"from": start.isoformat(), "to": end.isoformat(), "period": period}
    answer = await inbox.client.get("/v1/interactions", headers=inbox.auth("u-admin"), params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_interactions_count_each_message_once_and_stay_when_chats_are_deleted(
    live_inbox: LiveInbox,
) -> None:
    inbox = live_inbox
    admin = inbox.auth("u-admin")
    deliver = on_message_received(inbox.app.state.inbound)
    # The fixture's "hello", then one channel message delivered three times: the same event twice
    # (a redelivery) and under another event id (the channel sent it again).
    again = received("wa-1")
    envelope = Envelope.wrap(again, workspace_id=WS)
    for delivery in (envelope, envelope, Envelope.wrap(again, workspace_id=WS)):
        await deliver(delivery)
    await inbox.person_writes("hi", visitor="visitor-0002")  # another chat
    for attempt in (201, 200):  # a reply retried with the same client_message_id is stored once
        reply = await inbox.client.post(
            f"/v1/chats/{inbox.chat_id}/messages",
            headers=inbox.auth("u-agent"),
            json={"text": "On its way!", "client_message_id": "r-1"},
        )
        assert reply.status_code == attempt, reply.text
    assert [m["text"] for m in await inbox.history()] == ["hello", "where is my parcel?", "On its way!"]

    today = datetime.now(UTC).strftime("%Y-%m-%d")
    expected_days = [{"period": today, "person": 3, "ai": 0, "agent": 1, "total": 4}]
    days = (await inbox.client.get("/v1/interactions", headers=admin)).json()
    assert (days["items"], days["total"]) == (expected_days, 4)
    months = await inbox.client.get("/v1/interactions", headers=admin, params={"period": "month"})
    assert [(i["period"], i["total"]) for i in months.json()["items"]] == [(today[:7], 4)]

    chats = [c["id"] for c in (await inbox.client.get("/v1/chats", headers=admin)).json()["items"]]
    assert len(chats) == 2
    deleted = await inbox.client.post("/v1/chats/bulk-delete", headers=admin, json={"chat_ids": chats})
    assert deleted.json() == {"deleted": 2, "not_found": []}
    assert await inbox.app.state.runtime.mongo.db["messages"].count_documents({"workspace_id": WS}) == 0
    again_deleted = await inbox.client.post("/v1/chats/bulk-delete", headers=admin, json={"chat_ids": chats})
    assert again_deleted.json() == {"deleted": 0, "not_found": chats}  # gone: nothing counted again

    after = (await inbox.client.get("/v1/interactions", headers=admin)).json()
    assert (after["items"], after["total"]) == (expected_days, 4)
    months_after = await inbox.client.get("/v1/interactions", headers=admin, params={"period": "month"})
    assert months_after.json()["items"] == months.json()["items"]
    other = await inbox.client.get("/v1/interactions", headers=inbox.auth("u-other", "ws-other"))
    assert other.json()["total"] == 0  # another workspace counts its own


async def test_a_window_split_within_a_day_counts_live_messages_exactly_and_erased_ones_by_the_hour(
    live_inbox: LiveInbox,
) -> None:
    inbox = live_inbox
    deliver = on_message_received(inbox.app.state.inbound)
    yesterday = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    at = {minutes: yesterday + timedelta(minutes=minutes) for minutes in (620, 640, 650, 665)}  # 10:20…11:05
    # Yesterday, in a chat of its own (the fixture's "hello" is today's): 10:20 and 10:50 the person,
    # 11:05 an agent; 10:40 another person in another chat.
    await deliver(Envelope.wrap(received("y-1", "visitor-0003", at[620]), workspace_id=WS))
    await deliver(Envelope.wrap(received("y-2", "visitor-0003", at[650]), workspace_id=WS))
    await deliver(Envelope.wrap(received("y-3", "visitor-0004", at[640]), workspace_id=WS))
    messages = inbox.app.state.runtime.mongo.db["messages"]

    async def chat_of(external_message_id: str) -> str:
        stored = await messages.find_one({"inbound_key": f"app-1:{external_message_id}"})
        assert stored is not None
        return str(stored["chat_id"])

    chat, other_chat = await chat_of("y-1"), await chat_of("y-3")
    reply = await inbox.client.post(
        f"/v1/chats/{chat}/messages",
        headers=inbox.auth("u-agent"),
        json={"text": "On its way!", "client_message_id": "r-y"},
    )
    assert reply.status_code == 201, reply.text
    await messages.update_one({"chat_id": chat, "author.type": "agent"}, {"$set": {"created_at": at[665]}})

    day, split, end = (
        yesterday.strftime("%Y-%m-%d"),
        yesterday + timedelta(minutes=630),
        yesterday + timedelta(days=1),
    )

    async def split_at(boundary: datetime) -> list[list[tuple[str, int, int]]]:
        """The (period, person, agent) counts of the day's two windows either side of ``boundary``."""
        halves = (await interactions(inbox, yesterday, boundary), await interactions(inbox, boundary, end))
        return [[(i["period"], i["person"], i["agent"]) for i in half["items"]] for half in halves]

    whole = await interactions(inbox, yesterday, end)
    assert [(i["period"], i["person"], i["agent"]) for i in whole["items"]] == [(day, 3, 1)]
    # Live messages, split at 10:30 and at 10:45: each side counts its own to the minute.
    assert await split_at(split) == [[(day, 1, 0)], [(day, 2, 1)]]
    assert await split_at(yesterday + timedelta(minutes=645)) == [[(day, 2, 0)], [(day, 1, 1)]]
    months = await interactions(inbox, yesterday - timedelta(days=40), end, period="month")

    deleted = await inbox.client.post(
        "/v1/chats/bulk-delete", headers=inbox.auth("u-admin"), json={"chat_ids": [chat]}
    )
    assert deleted.json() == {"deleted": 1, "not_found": []}
    assert await messages.count_documents({"chat_id": other_chat}) == 1  # 10:40 is still stored

    # The whole day and month are unchanged; the erased 10:50 message now counts with its hour,
    # which starts before the 10:30 split: on its earlier side, whole. The 10:40 one stays exact.
    assert (await interactions(inbox, yesterday, end))["items"] == whole["items"]
    assert (await interactions(inbox, yesterday - timedelta(days=40), end, period="month")) == months
    assert await split_at(split) == [[(day, 2, 0)], [(day, 1, 1)]]
    assert await split_at(yesterday + timedelta(minutes=645)) == [[(day, 3, 0)], [(day, 0, 1)]]
    # A window starting at 11:00 holds the 11 o'clock hour; one starting at 11:01 does not.
    assert (await interactions(inbox, yesterday + timedelta(hours=11), end))["total"] == 1
    assert (await interactions(inbox, yesterday + timedelta(minutes=661), end))["total"] == 0
    kept = inbox.app.state.runtime.mongo.db["erased_interactions"].find({"workspace_id": WS}, {"_id": 0})
    assert sorted([(d["hour"], d["author"], d["n"]) async for d in kept]) == [
        (yesterday + timedelta(hours=10), "person", 2),
        (yesterday + timedelta(hours=11), "agent", 1),
    ]


async def test_a_deletion_run_again_counts_its_messages_once(
    live_inbox: LiveInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counts are kept in the transaction that erases the messages: a run that lost a race
    (after counting and erasing) is aborted with them, and the run that commits counts once."""
    inbox = live_inbox
    eraser = inbox.app.state.deletion.eraser
    erase, runs = eraser.erase, list[tuple[int, int]]()

    async def erase_losing_the_first_race(chat_id: str, session: object) -> tuple[int, int]:
        erased: tuple[int, int] = await erase(chat_id, session)
        runs.append(erased)
        if len(runs) == 1:
            raise RaceLost()
        return erased

    monkeypatch.setattr(eraser, "erase", erase_losing_the_first_race)
    deleted = await inbox.client.post(
        "/v1/chats/bulk-delete", headers=inbox.auth("u-admin"), json={"chat_ids": [inbox.chat_id]}
    )
    assert deleted.json() == {"deleted": 1, "not_found": []}
    assert runs == [(1, 0), (1, 0)]  # the first run's erase was rolled back: the second found it again
    counted = (await inbox.client.get("/v1/interactions", headers=inbox.auth("u-admin"))).json()
    assert [(i["person"], i["total"]) for i in counted["items"]] == [(1, 1)]
