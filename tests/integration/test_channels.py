"""Every provider channel end to end through ingest and the inbox (both in this process, the real
broker and database): a valid delivery becomes a message in the inbox; the same delivery repeated
is one message; a wrong or missing signature, secret or key is refused and stored nowhere; a
malformed body is a 400 and stored nowhere; the Meta handshake answers only our verify token."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from inbox.app import create_app as create_inbox
from inbox.settings import Settings as InboxSettings
from ingest.app import create_app as create_ingest
from ingest.settings import Settings as IngestSettings
from livechat_dev.testing import directory_user, eventually, running, seed_directory, serving, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import BanChangedV1, ConnectorMessageV1, Envelope, PersonRef
from livechat_shared.ids import new_id

# uvicorn (serving the fake provider) imports websockets' legacy API
pytestmark = pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning")
WS = "ws-channels"
SECRET = "app-secret-for-tests"
CREDENTIALS = {
    "whatsapp": {
        "app_secret": SECRET,
        "verify_token": "verify-me",
        "access_token": "EAAG-test",
        "phone_number_id": "1234567890",
    },
    "messenger": {"app_secret": SECRET, "verify_token": "verify-me", "page_access_token": "EAAB-test"},
    "telegram": {"bot_token": "123:ABC", "secret_token": "tg-secret-token"},
    "api": {},
}


@dataclass
class Edge:
    ingest_app: FastAPI
    ingest: httpx.AsyncClient
    inbox: httpx.AsyncClient
    admin_ingest: dict[str, str]
    admin_inbox: dict[str, str]

    async def app(self, channel: str) -> dict[str, Any]:
        body = {"teamspace_id": "ts-1", "team_ids": ["team-1"], "channel": channel, "name": f"{channel} app"}
        made = await self.ingest.post(
            "/v1/apps", headers=self.admin_ingest, json={**body, "credentials": CREDENTIALS[channel]}
        )
        assert made.status_code == 201, made.text
        app: dict[str, Any] = made.json()
        return app

    async def texts(self) -> list[str]:
        """Every message text in the inbox, over all chats."""
        chats = (
            await self.inbox.get("/v1/chats", headers=self.admin_inbox, params={"page_size": 200})
        ).json()["items"]
        texts: list[str] = []
        for chat in chats:
            items = (
                await self.inbox.get(f"/v1/chats/{chat['id']}/messages", headers=self.admin_inbox)
            ).json()["items"]
            texts += [m["text"] for m in items if m["author"]["type"] == "person"]
        return texts

    async def arrived(self, text: str) -> bool:
        return text in await self.texts()


@contextlib.asynccontextmanager
async def running_edge(env: dict[str, str], **ingest_settings: Any) -> AsyncIterator[Edge]:
    """Ingest and the inbox; the rate limits are off (tests poll by sending; the limits have their own
    test), and bans are read again every 0.2 s."""
    quick = {"ban_refresh_seconds": 0.2, "rate_messages_per_visitor_per_minute": 0}
    settings = settings_from(IngestSettings, env, **{**quick, **ingest_settings})
    inbox_settings = settings_from(InboxSettings, env)
    for each in (settings, inbox_settings):
        await seed_directory(each, directory_user("u-admin", WS, "admin", name="Ada"))
    token = issue_token(inbox_settings, user_id="u-admin", workspace_id=WS)
    admin = {"Authorization": f"Bearer {token}"}
    ingest_app = create_ingest(settings)
    async with running(ingest_app) as ingest, running(create_inbox(inbox_settings)) as inbox:
        yield Edge(ingest_app, ingest, inbox, admin, admin)


@pytest.fixture
async def edge(env: dict[str, str]) -> AsyncIterator[Edge]:
    async with running_edge(env) as running_one:
        yield running_one


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def whatsapp_body(message_id: str, text: str) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1234567890"},
        "contacts": [{"profile": {"name": "Kim"}, "wa_id": "15551234567"}],
        "messages": [
            {
                "from": "15551234567",
                "id": message_id,
                "timestamp": "1700000000",
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(payload).encode()


def messenger_body(message_id: str, text: str) -> bytes:
    event = {
        "sender": {"id": "PSID-7"},
        "recipient": {"id": "PAGE-1"},
        "timestamp": 1700000000,
        "message": {"mid": message_id, "text": text},
    }
    return json.dumps(
        {"object": "page", "entry": [{"id": "PAGE-1", "time": 1700000000, "messaging": [event]}]}
    ).encode()


def telegram_body(message_id: str, text: str) -> bytes:
    number = int(hashlib.sha256(message_id.encode()).hexdigest()[:8], 16)
    message = {
        "message_id": number,
        "from": {"id": 4242, "is_bot": False, "first_name": "Ana"},
        "chat": {"id": 4242, "type": "private"},
        "date": 1700000000,
        "text": text,
    }
    return json.dumps({"update_id": number, "message": message}).encode()


def api_body(message_id: str, text: str) -> bytes:
    return json.dumps(
        {"external_message_id": message_id, "person": {"external_id": "crm-1", "name": "Bo"}, "text": text}
    ).encode()


@dataclass(frozen=True)
class Channel:
    name: str
    path: str
    body: Callable[[str, str], bytes]
    good: Callable[[dict[str, Any], bytes], dict[str, str]]
    """The headers that prove the sender, for the app as created."""
    bad: Callable[[dict[str, Any], bytes], dict[str, str]]
    """Headers that look right but are not."""


CHANNELS = [
    Channel(
        "whatsapp",
        "/v1/webhooks/whatsapp/{id}",
        whatsapp_body,
        lambda app, b: signed(b),
        lambda app, b: signed(b, "wrong-secret"),
    ),
    Channel(
        "messenger",
        "/v1/webhooks/messenger/{id}",
        messenger_body,
        lambda app, b: signed(b),
        lambda app, b: signed(b + b" "),
    ),
    Channel(
        "telegram",
        "/v1/webhooks/telegram/{id}",
        telegram_body,
        lambda app, b: {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-token"},
        lambda app, b: {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-tokeN"},
    ),
    Channel(
        "api",
        "/v1/api-channel/{id}/messages",
        api_body,
        lambda app, b: {"Authorization": f"Bearer {app['api_key']}"},
        lambda app, b: {"Authorization": f"Bearer {app['api_key'][:-1]}x"},
    ),
]


@pytest.mark.parametrize("channel", CHANNELS, ids=[c.name for c in CHANNELS])
async def test_a_channel_delivers_once_and_refuses_what_is_not_proven_or_not_its_payload(
    edge: Edge, channel: Channel
) -> None:
    app = await edge.app(channel.name)
    path = channel.path.format(id=app["id"])

    # Refused first, so a message that slipped through would be in the inbox before the good one.
    forged = channel.body("forged-1", "forged by someone")
    assert (await edge.ingest.post(path, content=forged, headers=channel.bad(app, forged))).status_code == 401
    unsigned = channel.body("unsigned-1", "not signed at all")
    refused = await edge.ingest.post(path, content=unsigned, headers={"Content-Type": "application/json"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_signature"
    malformed = b'{"object": "something else", "entry": "no"}'
    answer = await edge.ingest.post(path, content=malformed, headers=channel.good(app, malformed))
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "malformed_payload"

    good = channel.body("msg-1", f"hello from {channel.name}")
    answers = [
        (await edge.ingest.post(path, content=good, headers=channel.good(app, good))) for _ in range(5)
    ]

    assert [a.status_code for a in answers] == [202 if channel.name == "api" else 200] * 5
    assert [(a.json()["accepted"], a.json()["duplicates"]) for a in answers] == [(1, 0)] + [(0, 1)] * 4
    assert await eventually(lambda: edge.arrived(f"hello from {channel.name}"))
    texts = await edge.texts()
    assert texts.count(f"hello from {channel.name}") == 1  # five deliveries, one message
    assert not {"forged by someone", "not signed at all"} & set(texts)


async def test_a_webhook_of_another_channel_or_no_app_is_not_found(edge: Edge) -> None:
    telegram = await edge.app("telegram")
    body = whatsapp_body("m-1", "hi")
    for path in (f"/v1/webhooks/whatsapp/{telegram['id']}", "/v1/webhooks/whatsapp/no-such-app"):
        answer = await edge.ingest.post(path, content=body, headers=signed(body))
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
async def test_the_meta_handshake_answers_only_our_verify_token(edge: Edge, channel: str) -> None:
    app = await edge.app(channel)
    path = f"/v1/webhooks/{channel}/{app['id']}"
    asked = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}

    answer = await edge.ingest.get(path, params=asked)
    assert (answer.status_code, answer.text) == (200, "1158201444")
    wrong = await edge.ingest.get(path, params={**asked, "hub.verify_token": "guess"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "handshake_refused"
    assert (await edge.ingest.get(path, params={**asked, "hub.mode": "unsubscribe"})).status_code == 403


# --- bans at the edge ---


async def test_a_banned_persons_messages_stop_at_ingest_until_unbanned_or_expired(edge: Edge) -> None:
    app = await edge.app("whatsapp")
    path = f"/v1/webhooks/whatsapp/{app['id']}"
    sent = iter(range(1000))

    async def deliver(text: str) -> dict[str, Any]:
        body = whatsapp_body(f"wamid.ban-{next(sent)}", text)
        answer = await edge.ingest.post(path, content=body, headers=signed(body))
        assert answer.status_code == 200
        result: dict[str, Any] = answer.json()
        return result

    await deliver("before the ban")
    assert await eventually(lambda: edge.arrived("before the ban"))
    chats = (await edge.inbox.get("/v1/chats", headers=edge.admin_inbox)).json()["items"]
    [chat] = [c for c in chats if c["app"]["id"] == app["id"]]
    person_id = chat["person"]["id"]
    reason = await edge.inbox.post(
        "/v1/ban-reasons", headers=edge.admin_inbox, json={"teamspace_id": "ts-1", "name": "Spam"}
    )
    banned = await edge.inbox.post(
        "/v1/bans",
        headers=edge.admin_inbox,
        json={"person_id": person_id, "reason_id": reason.json()["id"], "length_minutes": None},
    )
    assert banned.status_code == 201, banned.text

    async def stopped(text: str) -> bool:
        return (await deliver(text))["banned"] == 1

    assert await eventually(lambda: stopped("while banned"))  # the ban reached ingest's copy
    assert (await deliver("while banned, again")) == {
        "accepted": 0,
        "duplicates": 0,
        "banned": 1,
        "limited": 0,
        "receipts": 0,
        "ignored": 0,
    }

    assert (
        await edge.inbox.delete(f"/v1/bans/{banned.json()['id']}", headers=edge.admin_inbox)
    ).status_code == 204

    async def flows(text: str) -> bool:
        return (await deliver(text))["accepted"] == 1

    assert await eventually(lambda: flows("after the unban"))
    assert await eventually(lambda: edge.arrived("after the unban"))
    assert "while banned, again" not in await edge.texts()  # stopped: never reached the inbox

    # A ban with an end stops messages until then, and they flow again after it, with no event.
    until = datetime.now(UTC) + timedelta(seconds=3)
    change = BanChangedV1(
        ban_id="ban-short",
        person_id=person_id,
        app_id=app["id"],
        channel="whatsapp",
        person_external_id="15551234567",
        teamspace_id="ts-1",
        active=True,
        until=until,
        reason_id=reason.json()["id"],
    )
    await edge.ingest_app.state.runtime.publisher.publish(Envelope.wrap(change, workspace_id=WS))
    assert await eventually(lambda: stopped("during the short ban"))
    assert await eventually(lambda: flows("after the short ban"))
    assert datetime.now(UTC) >= until


# --- connectors publishing straight to the bus ---


async def test_a_connectors_messages_on_the_bus_are_checked_and_accepted_once(edge: Edge) -> None:
    api = await edge.app("api")
    telegram = await edge.app("telegram")
    publish = edge.ingest_app.state.runtime.publisher.publish

    def message(app_id: str, message_id: str, text: str, workspace_id: str = WS) -> Envelope:
        event = ConnectorMessageV1(
            app_id=app_id,
            external_message_id=message_id,
            person=PersonRef(external_id="line-user-1", name="Haruto"),
            text=text,
        )
        return Envelope.wrap(event, workspace_id=workspace_id)

    # Refused (dead-lettered) first: an app of another channel, of another workspace, no app at all.
    await publish(message(telegram["id"], "c-0", "on a telegram app"))
    await publish(message(api["id"], "c-0", "from another workspace", workspace_id="ws-elsewhere"))
    await publish(message("no-such-app", "c-0", "to nobody"))
    for _ in range(5):
        await publish(message(api["id"], "c-1", "hello from a connector"))
    await publish(message(api["id"], "c-2", "the last one"))

    assert await eventually(lambda: edge.arrived("the last one"))
    texts = await edge.texts()
    assert texts.count("hello from a connector") == 1
    assert not {"on a telegram app", "from another workspace", "to nobody"} & set(texts)
    # The same id over HTTP is the same message.
    body = json.dumps({"external_message_id": "c-1", "person": {"external_id": "line-user-1"}, "text": "x"})
    again = await edge.ingest.post(
        f"/v1/api-channel/{api['id']}/messages",
        content=body,
        headers={"Authorization": f"Bearer {api['api_key']}"},
    )
    assert again.json()["duplicates"] == 1


async def test_the_asyncapi_document_names_the_connectors_exchange_key_and_payload(edge: Edge) -> None:
    document = (await edge.ingest.get("/asyncapi.json")).json()
    channel = document["channels"]["connector.message.received.v1"]

    assert channel["bindings"]["amqp"]["exchange"]["type"] == "topic"
    assert "ConnectorMessageV1" in channel["messages"]
    schema = document["components"]["schemas"]["ConnectorMessageV1"]
    assert {"app_id", "external_message_id", "person"} <= set(schema["required"])


# --- replies out to the provider, and its receipts back ---


class FakeWhatsApp:
    """WhatsApp's send API: records each message and answers with its id, or 500 while ``failing``."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.failing = False
        self.app = FastAPI()
        self.app.add_api_route("/{path:path}", self.send, methods=["POST"])

    async def send(self, path: str, request: Request) -> JSONResponse:
        if self.failing:
            return JSONResponse({"error": {"message": "Service temporarily unavailable"}}, status_code=500)
        self.sent.append(await request.json())
        return JSONResponse(
            {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.out{len(self.sent)}"}]}
        )


@pytest.fixture
async def provider_edge(env: dict[str, str]) -> AsyncIterator[tuple[Edge, FakeWhatsApp]]:
    fake = FakeWhatsApp()
    async with serving(fake.app) as address:
        urls = {
            "whatsapp_api_url": f"http://{address}",
            "outbound_attempts": 3,
            "outbound_backoff_seconds": 0.01,
            "ban_notice": "You cannot write here.",
        }
        async with running_edge(env, **urls) as running_one:
            yield running_one, fake


async def test_a_reply_reaches_the_provider_and_its_receipts_and_failures_reach_the_agent(
    provider_edge: tuple[Edge, FakeWhatsApp],
) -> None:
    edge, provider = provider_edge
    app = await edge.app("whatsapp")
    path = f"/v1/webhooks/whatsapp/{app['id']}"
    body = whatsapp_body("wamid.in1", "where is my order?")
    await edge.ingest.post(path, content=body, headers=signed(body))
    assert await eventually(lambda: edge.arrived("where is my order?"))
    [chat] = (await edge.inbox.get("/v1/chats", headers=edge.admin_inbox)).json()["items"]

    async def reply(text: str) -> str:
        answer = await edge.inbox.post(
            f"/v1/chats/{chat['id']}/messages",
            params={"takeover": "true"},
            headers=edge.admin_inbox,
            json={"text": text, "client_message_id": new_id()},
        )
        assert answer.status_code == 201, answer.text
        message_id: str = answer.json()["id"]
        return message_id

    async def delivery(message_id: str) -> str | None:
        items = (await edge.inbox.get(f"/v1/chats/{chat['id']}/messages", headers=edge.admin_inbox)).json()[
            "items"
        ]
        state: str | None = next(m for m in items if m["id"] == message_id)["delivery"]
        return state

    async def reaches(message_id: str, state: str) -> bool:
        return await delivery(message_id) == state

    first = await reply("It ships today.")
    assert await eventually(lambda: reaches(first, "sent"))
    assert [m["text"]["body"] for m in provider.sent] == ["It ships today."]
    assert provider.sent[0]["to"] == "15551234567"

    def receipt(status: str) -> bytes:
        value = {
            "messaging_product": "whatsapp",
            "statuses": [
                {"id": "wamid.out1", "status": status, "timestamp": "1", "recipient_id": "15551234567"}
            ],
        }
        payload = {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"value": value, "field": "messages"}]}],
        }
        return json.dumps(payload).encode()

    read = receipt("read")
    assert (await edge.ingest.post(path, content=read, headers=signed(read))).json()["receipts"] == 1
    assert await eventually(lambda: reaches(first, "read"))
    late = receipt("delivered")  # out of order: does not take the message back
    assert (await edge.ingest.post(path, content=late, headers=signed(late))).json()["receipts"] == 1
    stranger = receipt("delivered").replace(b"wamid.out1", b"wamid.not-ours")
    assert (await edge.ingest.post(path, content=stranger, headers=signed(stranger))).json()["ignored"] == 1

    provider.failing = True
    second = await reply("Sorry, one more thing.")
    assert await eventually(lambda: reaches(second, "failed"))  # retried, then told
    assert await delivery(first) == "read"
    assert len(provider.sent) == 1


async def test_an_api_app_fetches_its_replies_and_they_count_as_delivered(edge: Edge) -> None:
    app = await edge.app("api")
    key = {"Authorization": f"Bearer {app['api_key']}"}
    body = api_body("crm-msg-1", "can I change my plan?")
    await edge.ingest.post(f"/v1/api-channel/{app['id']}/messages", content=body, headers=key)
    assert await eventually(lambda: edge.arrived("can I change my plan?"))
    [chat] = (await edge.inbox.get("/v1/chats", headers=edge.admin_inbox)).json()["items"]
    answer = await edge.inbox.post(
        f"/v1/chats/{chat['id']}/messages",
        params={"takeover": "true"},
        headers=edge.admin_inbox,
        json={"text": "Yes, from Settings.", "client_message_id": new_id()},
    )
    reply_id = answer.json()["id"]
    replies = f"/v1/api-channel/{app['id']}/people/crm-1/replies"

    async def fetched() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await edge.ingest.get(replies, headers=key)).json()["items"]
        return items

    items = await eventually(fetched)
    assert [(i["cursor"], i["message"]["text"]) for i in items] == [(1, "Yes, from Settings.")]
    assert (await edge.ingest.get(replies, params={"after": 1}, headers=key)).json()["items"] == []
    refused = await edge.ingest.get(replies, headers={"Authorization": "Bearer not-the-key"})
    assert refused.status_code == 401

    async def delivered() -> bool:
        items = (await edge.inbox.get(f"/v1/chats/{chat['id']}/messages", headers=edge.admin_inbox)).json()[
            "items"
        ]
        return next(m for m in items if m["id"] == reply_id)["delivery"] == "delivered"

    assert await eventually(delivered)


async def test_a_banned_person_on_a_provider_is_told_once_in_a_while(
    provider_edge: tuple[Edge, FakeWhatsApp],
) -> None:
    edge, provider = provider_edge
    app = await edge.app("whatsapp")
    path = f"/v1/webhooks/whatsapp/{app['id']}"
    change = BanChangedV1(
        ban_id="ban-notice",
        person_id="p-1",
        app_id=app["id"],
        channel="whatsapp",
        person_external_id="15551234567",
        teamspace_id="ts-1",
        active=True,
        reason_id="spam",
    )
    await edge.ingest_app.state.runtime.publisher.publish(Envelope.wrap(change, workspace_id=WS))
    sent = iter(range(100))

    async def stopped() -> bool:
        body = whatsapp_body(f"wamid.spam-{next(sent)}", "spam")
        return (await edge.ingest.post(path, content=body, headers=signed(body))).json()["banned"] == 1

    assert await eventually(stopped)
    for _ in range(3):
        assert await stopped()

    async def told() -> list[str]:
        return [m["text"]["body"] for m in provider.sent]

    assert await eventually(told) == ["You cannot write here."]  # once, however often they write
    assert provider.sent[0]["to"] == "15551234567"
