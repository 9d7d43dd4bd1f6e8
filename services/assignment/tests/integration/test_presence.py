"""Presence over HTTP (real broker and database): transitions of one's own presence, a PUT that
changes nothing, the announcement on the bus, listing, bad input and workspace isolation."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import aio_pika
import httpx
from assignment.settings import Settings
from livechat_dev.testing import eventually, probe_queue
from livechat_shared.contracts import Envelope, PresenceChangedV1

from .conftest import Org


def presence_events(settings: Settings) -> contextlib.AbstractAsyncContextManager[aio_pika.abc.AbstractQueue]:
    """A probe queue of this test's own bound to ``assignment.presence.#``."""
    return probe_queue(settings, "assignment.presence.#")


async def take(queue: aio_pika.abc.AbstractQueue, count: int) -> list[tuple[str, PresenceChangedV1]]:
    got = [await eventually(lambda: queue.get(no_ack=True, fail=False)) for _ in range(count)]
    events = []
    for message in got:
        envelope = Envelope.model_validate_json(message.body)
        assert message.routing_key == PresenceChangedV1.routing_key() == envelope.routing_key
        events.append((envelope.workspace_id, envelope.open(PresenceChangedV1)))
    return events


async def set_presence(api: httpx.AsyncClient, org: Org, user: dict[str, Any], status: str) -> dict[str, Any]:
    answer = await api.put("/v1/me/presence", headers=org.auth(user), json={"status": status})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_transitions_are_stored_and_announced_and_a_repeat_changes_nothing(
    api: httpx.AsyncClient, acme: Org, settings: Settings
) -> None:
    agent = await acme.add_user("agent")
    async with presence_events(settings) as queue:
        online = await set_presence(api, acme, agent, "online")
        assert online["user_id"] == agent["id"] and online["version"] == 1
        assert online["status"] == "online" and online["online_since"] == online["changed_at"]
        assert await set_presence(api, acme, agent, "online") == online  # idempotent
        away = await set_presence(api, acme, agent, "away")
        assert (away["version"], away["online_since"]) == (2, online["online_since"])  # keeps the place
        back = await set_presence(api, acme, agent, "online")
        assert (back["version"], back["online_since"]) == (3, online["online_since"])
        offline = await set_presence(api, acme, agent, "offline")
        assert (offline["version"], offline["online_since"]) == (4, None)
        assert await set_presence(api, acme, agent, "offline") == offline
        events = await take(queue, 4)
        assert await queue.get(no_ack=True, fail=False) is None  # the repeats announced nothing
    assert {ws for ws, _ in events} == {acme.id}
    assert [(e.user_id, e.status, e.version) for _, e in events] == [
        (agent["id"], "online", 1),
        (agent["id"], "away", 2),
        (agent["id"], "online", 3),
        (agent["id"], "offline", 4),
    ]
    came = datetime.fromisoformat(online["online_since"])
    assert [e.online_since for _, e in events] == [came, came, came, None]
    assert events[-1][1].changed_at == datetime.fromisoformat(offline["changed_at"])


async def test_listing_the_workspace_presence(api: httpx.AsyncClient, acme: Org, new_org: Any) -> None:
    agent, supervisor = await acme.add_user("agent"), await acme.add_user("supervisor")
    gone = await acme.add_user("agent")
    await set_presence(api, acme, gone, "online")
    off = await api.patch(f"/v1/users/{gone['id']}", headers=acme.auth(acme.admin), json={"active": False})
    assert off.status_code == 200, off.text
    await set_presence(api, acme, agent, "online")
    await set_presence(api, acme, supervisor, "away")
    other = await new_org("Initech")
    await set_presence(api, other, other.admin, "online")

    listed = await api.get("/v1/presence", headers=acme.auth(agent))  # an agent sees their colleagues
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 3  # the deactivated user is left out; the other workspace is not seen
    assert [(p["user_id"], p["status"]) for p in body["items"]] == [
        (acme.admin["id"], "offline"),  # never set: offline
        (agent["id"], "online"),
        (supervisor["id"], "away"),
    ]
    assert body["items"][0] | {"user_id": None} == {
        "user_id": None,
        "status": "offline",
        "online_since": None,
        "changed_at": None,
        "version": 0,
    }
    online = (await api.get("/v1/presence?status=online", headers=acme.auth(acme.admin))).json()
    assert [p["user_id"] for p in online["items"]] == [agent["id"]] and online["total"] == 1
    paged = (await api.get("/v1/presence?page=2&page_size=1", headers=acme.auth(supervisor))).json()
    assert [p["user_id"] for p in paged["items"]] == [agent["id"]] and paged["total"] == 3
    theirs = (await api.get("/v1/presence", headers=other.auth(other.admin))).json()
    assert [(p["user_id"], p["status"]) for p in theirs["items"]] == [(other.admin["id"], "online")]


async def test_bad_input_and_refused_callers_change_nothing(
    api: httpx.AsyncClient, acme: Org, settings: Settings
) -> None:
    agent = await acme.add_user("agent")
    async with presence_events(settings) as queue:
        for body in (
            {"status": "busy"},
            {"status": "online", "user_id": acme.admin["id"]},
            {},
            {"status": 1},
        ):
            answer = await api.put("/v1/me/presence", headers=acme.auth(agent), json=body)
            assert (answer.status_code, answer.json()["error"]["code"]) == (422, "validation_failed"), body
        bad_filter = await api.get("/v1/presence?status=busy", headers=acme.auth(agent))
        assert (bad_filter.status_code, bad_filter.json()["error"]["code"]) == (422, "validation_failed")
        assert (await api.put("/v1/me/presence", json={"status": "online"})).status_code == 401
        off = await api.patch(
            f"/v1/users/{agent['id']}", headers=acme.auth(acme.admin), json={"active": False}
        )
        assert off.status_code == 200, off.text
        refused = await api.put("/v1/me/presence", headers=acme.auth(agent), json={"status": "online"})
        assert refused.status_code == 401, refused.text
        assert (await api.get("/v1/presence", headers=acme.auth(agent))).status_code == 401
        assert await queue.get(no_ack=True, fail=False) is None
    listed = (await api.get("/v1/presence", headers=acme.auth(acme.admin))).json()
    assert all(p["version"] == 0 for p in listed["items"])
