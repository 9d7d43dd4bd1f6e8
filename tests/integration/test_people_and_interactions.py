"""A person with their chats, and the workspace's interaction counts, over HTTP (real broker and
database): who may read them and what they count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from .conftest import LiveInbox


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def test_interactions_count_every_message_to_or_from_a_person(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    await inbox.person_writes("second")
    await inbox.person_writes("hi", visitor="visitor-0002")
    reply = await inbox.client.post(
        f"/v1/chats/{inbox.chat_id}/messages",
        headers=inbox.auth("u-agent"),
        json={"text": "Hello!", "client_message_id": "r-1"},
    )
    assert reply.status_code == 201
    moved = await inbox.client.post(
        f"/v1/chats/{inbox.chat_id}/transfer", headers=inbox.auth("u-admin"), json={"team_id": "team-1"}
    )
    assert moved.status_code == 200  # its system line in the history is no interaction

    today = datetime.now(UTC).strftime("%Y-%m-%d")
    counted = await inbox.client.get("/v1/interactions", headers=inbox.auth("u-admin"))
    assert counted.status_code == 200, counted.text
    body = counted.json()
    # hello (the fixture's), second, hi; the agent's reply
    assert body["items"] == [{"period": today, "person": 3, "ai": 0, "agent": 1, "total": 4}]
    assert body["total"] == 4 and body["period"] == "day"
    month = await inbox.client.get(
        "/v1/interactions", headers=inbox.auth("u-admin"), params={"period": "month"}
    )
    assert [(i["period"], i["total"]) for i in month.json()["items"]] == [(today[:7], 4)]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    later = await inbox.client.get(
        "/v1/interactions",
        headers=inbox.auth("u-admin"),
        params={"from": tomorrow, "to": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
    )
    assert later.json()["items"] == [] and later.json()["total"] == 0
    other = await inbox.client.get("/v1/interactions", headers=inbox.auth("u-other", "ws-other"))
    assert other.json()["total"] == 0  # another workspace counts its own


async def test_interactions_are_for_those_with_the_settings_permission(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    assert error(await inbox.client.get("/v1/interactions", headers=inbox.auth("u-agent"))) == (
        403,
        "forbidden",
    )
    now = datetime.now(UTC)
    for params in (
        {"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()},
        {"from": (now - timedelta(days=400)).isoformat()},
        {"period": "week"},
        {"from": "yesterday"},
    ):
        answer = await inbox.client.get("/v1/interactions", headers=inbox.auth("u-admin"), params=params)
        assert answer.status_code == 422, (params, answer.text)


async def test_a_person_with_the_chats_the_caller_may_see(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    chat = await inbox.chat()
    person_id = chat["person"]["id"]
    seen = await inbox.client.get(f"/v1/people/{person_id}", headers=inbox.auth("u-agent"))
    assert seen.status_code == 200, seen.text
    person = seen.json()
    assert (person["id"], person["external_id"], person["channel"], person["language"]) == (
        person_id,
        "visitor-0001",
        "webchat",
        "de",
    )
    assert person["name"] == "Unknown"  # the channel gave no name
    assert [c["id"] for c in person["chats"]] == [inbox.chat_id]
    for user, workspace in (("u-outsider", "ws-live"), ("u-other", "ws-other")):
        hidden = await inbox.client.get(f"/v1/people/{person_id}", headers=inbox.auth(user, workspace))
        assert error(hidden) == (404, "not_found")
    missing = await inbox.client.get("/v1/people/nobody", headers=inbox.auth("u-admin"))
    assert error(missing) == (404, "not_found")
