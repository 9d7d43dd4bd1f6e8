"""The ingest service against a real RabbitMQ and MongoDB wire server: the HTTP answers as
clients see them, the dedup key's unique index, and the delivery of replies to the mailbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
from fastapi import FastAPI
from ingest.settings import Settings
from ingest.webchat.repository import MailboxRepository
from livechat_dev.testing import eventually
from livechat_shared.bus import queue_names
from livechat_shared.contracts import Envelope, MessageView, OutboundRequestedV1
from livechat_shared.topology import INBOX_DELIVERIES, INBOX_INBOUND, QueueSpec

APP_FIELDS = [
    "id",
    "workspace_id",
    "teamspace_id",
    "team_ids",
    "channel",
    "name",
    "credentials",
    "created_at",
]

Bearer = Callable[[str], dict[str, str]]


async def queued(settings: Settings, spec: QueueSpec) -> int:
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        count = 0
        for name in queue_names(settings, spec):  # every partition of a partitioned queue
            queue = await channel.declare_queue(name, passive=True)
            count += queue.declaration_result.message_count or 0
        return count


async def test_channel_apps_as_clients_see_them(
    service: tuple[FastAPI, httpx.AsyncClient], bearer: Bearer
) -> None:
    _, http = service
    admin = bearer("admin")
    base = {"teamspace_id": "ts-1", "team_ids": ["t-1"]}

    site = await http.post("/v1/apps", headers=admin, json={**base, "channel": "webchat", "name": "Site"})
    api = await http.post("/v1/apps", headers=admin, json={**base, "channel": "api", "name": "Api"})
    bot = await http.post(
        "/v1/apps",
        headers=admin,
        json={
            **base,
            "channel": "telegram",
            "name": "Bot",
            "credentials": {"bot_token": "1:x", "secret_token": "s3"},
        },
    )

    assert [r.status_code for r in (site, api, bot)] == [201, 201, 201]
    assert list(site.json()) == [*APP_FIELDS, "identity_secret"] and len(site.json()["identity_secret"]) >= 43
    assert list(api.json()) == [*APP_FIELDS, "api_key"] and len(api.json()["api_key"]) >= 43
    assert site.json()["workspace_id"] == "ws-1" and site.json()["team_ids"] == ["t-1"]
    assert bot.json()["credentials"] == ["bot_token", "secret_token"]

    read = await http.get(f"/v1/apps/{bot.json()['id']}", headers=admin)
    assert list(read.json()) == APP_FIELDS
    assert {k: v for k, v in read.json().items() if k != "created_at"} == {
        k: v for k, v in bot.json().items() if k != "created_at"
    }
    assert "s3" not in read.text and "1:x" not in read.text
    api_read = await http.get(f"/v1/apps/{api.json()['id']}", headers=admin)
    assert "api_key" not in api_read.json() and api.json()["api_key"] not in api_read.text

    listed = (await http.get("/v1/apps", headers=admin, params={"page_size": 2})).json()
    assert list(listed) == ["items", "total", "page", "page_size"]
    assert ([a["name"] for a in listed["items"]], listed["total"], listed["page"]) == (["Bot", "Api"], 3, 1)

    other = await http.get(f"/v1/apps/{bot.json()['id']}", headers=bearer("other workspace's admin"))
    assert (other.status_code, other.json()) == (
        404,
        {"error": {"code": "not_found", "message": "app not found"}},
    )
    assert (await http.get("/v1/apps", headers=admin)).json()["total"] == 3


async def test_concurrent_resends_are_accepted_once(
    service: tuple[FastAPI, httpx.AsyncClient], settings: Settings, bearer: Bearer
) -> None:
    _, http = service
    app_id = (
        await http.post(
            "/v1/apps",
            headers=bearer("admin"),
            json={"teamspace_id": "ts-1", "channel": "webchat", "name": "S"},
        )
    ).json()["id"]
    started = await http.post(f"/v1/webchat/{app_id}/sessions", json={"name": "Ana"})
    assert started.status_code == 201 and list(started.json()) == [
        "session_token",
        "visitor_id",
        "expires_at",
    ]
    person = {"Authorization": f"Bearer {started.json()['session_token']}"}
    message = {"text": "hello", "client_message_id": "c-1"}

    sent = await asyncio.gather(
        *(http.post(f"/v1/webchat/{app_id}/messages", headers=person, json=message) for _ in range(5))
    )

    assert [r.status_code for r in sent] == [202] * 5
    assert sorted(r.json()["status"] for r in sent) == ["accepted"] + ["duplicate"] * 4
    assert {r.json()["client_message_id"] for r in sent} == {"c-1"}
    assert list(sent[0].json()) == ["status", "client_message_id"]
    # every copy went to the broker (the inbox stores the channel message once)
    assert await eventually(lambda: _at_least(settings, INBOX_INBOUND, 5)) == 5

    unknown = await http.post(f"/v1/webchat/{app_id}/messages", json=message)
    assert (unknown.status_code, unknown.json()) == (
        401,
        {"error": {"code": "invalid_session", "message": "a valid webchat session token is required"}},
    )


async def _at_least(settings: Settings, spec: QueueSpec, count: int) -> int | None:
    found = await queued(settings, spec)
    return found if found >= count else None


async def test_the_demo_page_is_served_for_webchat_apps_only(
    service: tuple[FastAPI, httpx.AsyncClient], bearer: Bearer
) -> None:
    _, http = service
    made = {
        channel: (
            await http.post(
                "/v1/apps",
                headers=bearer("admin"),
                json={"teamspace_id": "ts", "channel": channel, "name": "N"},
            )
        ).json()["id"]
        for channel in ("webchat", "api")
    }
    page = await http.get(f"/webchat/{made['webchat']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<title>Webchat</title>" in page.text
    for app_id in (made["api"], "NO-SUCH-APP"):
        missing = await http.get(f"/webchat/{app_id}")
        assert (missing.status_code, missing.json()["error"]) == (
            404,
            {"code": "not_found", "message": "webchat app not found"},
        )


async def test_a_redelivered_reply_is_stored_once_and_reported_sent(
    service: tuple[FastAPI, httpx.AsyncClient], settings: Settings
) -> None:
    app, _ = service
    runtime = app.state.runtime
    message = MessageView.model_validate(
        {
            "id": "msg-1",
            "chat_id": "chat-1",
            "seq": 2,
            "author": {"type": "agent", "name": "Ana"},
            "text": "Hello!",
            "created_at": datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
        }
    )
    event = OutboundRequestedV1(
        app_id="app-1", channel="webchat", person_external_id="visitor-1234", message=message
    )
    envelope = Envelope.wrap(event, workspace_id="ws-1", chat_id="chat-1")

    await runtime.publisher.publish(envelope)
    await runtime.publisher.publish(envelope)  # as a broker redelivery would

    assert await eventually(lambda: _at_least(settings, INBOX_DELIVERIES, 2)) == 2
    stored = await MailboxRepository(runtime.mongo).since("app-1", "visitor-1234", 0)
    assert [(e.id, e.cursor, e.message) for e in stored] == [("msg-1", 1, message)]
    raw: dict[str, Any] | None = await runtime.mongo.db["webchat_mailbox"].find_one({"_id": "msg-1"})
    assert raw is not None and raw["message"] == message.model_dump(mode="json")  # stored as sent


async def test_every_route_documents_its_response(service: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = service
    paths = (await http.get("/openapi.json")).json()["paths"]
    documented = {
        (method, path): next(
            next(iter(schema["content"].values()))["schema"]  # JSON, or the handshake's plain text
            for status, schema in operation["responses"].items()
            if status.startswith("2")
        )
        for path, operations in paths.items()
        if path.startswith("/v1/")
        for method, operation in operations.items()
    }
    assert documented == {
        ("post", "/v1/apps"): {"$ref": "#/components/schemas/AppCreated"},
        ("get", "/v1/apps"): {"$ref": "#/components/schemas/Page_AppOut_"},
        ("get", "/v1/apps/{app_id}"): {"$ref": "#/components/schemas/AppOut"},
        ("post", "/v1/webchat/{app_id}/sessions"): {"$ref": "#/components/schemas/SessionOut"},
        ("post", "/v1/webchat/{app_id}/messages"): {"$ref": "#/components/schemas/Accepted"},
        ("get", "/v1/webhooks/{channel}/{app_id}"): {"type": "string"},
        ("post", "/v1/webhooks/{channel}/{app_id}"): {"$ref": "#/components/schemas/WebhookResult"},
        ("post", "/v1/webhooks/telegram/{app_id}"): {"$ref": "#/components/schemas/WebhookResult"},
        ("post", "/v1/api-channel/{app_id}/messages"): {"$ref": "#/components/schemas/WebhookResult"},
        ("get", "/v1/api-channel/{app_id}/people/{person_external_id}/replies"): {
            "$ref": "#/components/schemas/ApiReplies"
        },
    }
    errors = paths["/v1/webchat/{app_id}/messages"]["post"]["responses"]
    assert errors["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
