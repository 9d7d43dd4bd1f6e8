"""Replies on WhatsApp, Messenger and Telegram leaving ingest for real: the service in this process on
the real broker and database, the providers played by a local HTTP server that records each call and
can be told to fail. What an agent learns is read off the bus (``DeliveryUpdatedV1``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from ingest.core.models import App
from ingest.settings import Settings
from livechat_dev.testing import eventually, probe_queue, serving
from livechat_shared.contracts import DeliveryUpdatedV1, Envelope, MessageView, OutboundRequestedV1
from livechat_shared.ids import new_id

# uvicorn (serving the fake provider) imports websockets' legacy API
pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning"),
]
Bearer = Callable[[str], dict[str, str]]
Service = tuple[FastAPI, httpx.AsyncClient]
CREDENTIALS: dict[str, dict[str, str]] = {
    "whatsapp": {
        "app_secret": "s",
        "verify_token": "v",
        "access_token": "wa-token",
        "phone_number_id": "1055",
    },
    "messenger": {"app_secret": "s", "verify_token": "v", "page_access_token": "page-token"},
    "telegram": {"bot_token": "42:abc", "secret_token": "t"},
}
PDF = {"url": "https://cdn.example/terms.pdf", "content_type": "application/pdf"}


@dataclass
class Call:
    path: str
    query: dict[str, str]
    authorization: str | None
    body: Any


class FakeProvider:
    """The three send APIs under ``/whatsapp``, ``/messenger`` and ``/telegram``: each call recorded
    and answered as the provider does, except the next ``failures`` calls, answered 500."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures = 0
        self.base = ""
        self.app = FastAPI()
        self.app.add_api_route("/{path:path}", self.answer, methods=["POST"])

    async def answer(self, path: str, request: Request) -> JSONResponse:
        body = await request.json()
        self.calls.append(Call(path, dict(request.query_params), request.headers.get("authorization"), body))
        if self.failures:
            self.failures -= 1
            return JSONResponse({"error": {"message": "temporarily unavailable"}}, status_code=500)
        n = len(self.calls)
        if path.startswith("whatsapp/"):
            return JSONResponse({"messaging_product": "whatsapp", "messages": [{"id": f"wamid.{n}"}]})
        if path.startswith("messenger/"):
            return JSONResponse({"recipient_id": body["recipient"]["id"], "message_id": f"m_{n}"})
        return JSONResponse({"ok": True, "result": {"message_id": n, "chat": {"id": body["chat_id"]}}})


@pytest.fixture
async def provider() -> AsyncIterator[FakeProvider]:
    fake = FakeProvider()
    async with serving(fake.app) as address:
        fake.base = f"http://{address}"
        yield fake


@pytest.fixture
def settings(make_settings: Callable[..., Settings], provider: FakeProvider) -> Settings:
    """The ``service`` fixture's settings: the providers are the fake, three quick tries."""
    return make_settings(
        whatsapp_api_url=f"{provider.base}/whatsapp",
        messenger_api_url=f"{provider.base}/messenger",
        telegram_api_url=f"{provider.base}/telegram",
        outbound_attempts=3,
        outbound_backoff_seconds=0.01,
    )


@pytest.fixture
async def reports(settings: Settings, service: Service) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """What ingest tells the inbox about deliveries (a probe queue, bound once the service declared the
    exchange)."""
    async with probe_queue(settings, DeliveryUpdatedV1.routing_key()) as queue:
        yield queue


async def next_report(queue: aio_pika.abc.AbstractQueue) -> tuple[Envelope, DeliveryUpdatedV1]:
    message = await eventually(lambda: queue.get(no_ack=True, fail=False))
    envelope = Envelope.model_validate_json(message.body)
    return envelope, envelope.open(DeliveryUpdatedV1)


async def provider_app(http: httpx.AsyncClient, bearer: Bearer, channel: str) -> str:
    made = await http.post(
        "/v1/apps",
        headers=bearer("admin"),
        json={
            "teamspace_id": "ts-1",
            "channel": channel,
            "name": channel,
            "credentials": CREDENTIALS[channel],
        },
    )
    assert made.status_code == 201, made.text
    app_id: str = made.json()["id"]
    return app_id


async def request_reply(
    app: FastAPI, app_id: str, channel: str, person: str, attachments: list[dict[str, str]] | None = None
) -> Envelope:
    """Publish the inbox's ``OutboundRequestedV1`` for a new agent reply; the envelope published."""
    message = MessageView.model_validate(
        {
            "id": new_id(),
            "chat_id": new_id(),
            "seq": 2,
            "author": {"type": "agent", "id": "u-agent", "name": "Ana"},
            "text": "Your refund is on its way",
            "attachments": attachments or [],
            "created_at": datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
        }
    )
    event = OutboundRequestedV1(app_id=app_id, channel=channel, person_external_id=person, message=message)  # type: ignore[arg-type]
    envelope = Envelope.wrap(event, workspace_id="ws-1", chat_id=message.chat_id)
    await app.state.runtime.publisher.publish(envelope)
    return envelope


def sent_to_provider(channel: str, person: str) -> list[tuple[str, dict[str, str], str | None, Any]]:
    """The calls a reply of text and :data:`PDF` makes, as the provider records them."""
    text, pdf = "Your refund is on its way", PDF["url"]
    if channel == "whatsapp":
        to = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": person}
        return [
            ("whatsapp/1055/messages", {}, "Bearer wa-token", {**to, "type": "text", "text": {"body": text}}),
            (
                "whatsapp/1055/messages",
                {},
                "Bearer wa-token",
                {**to, "type": "document", "document": {"link": pdf}},
            ),
        ]
    if channel == "messenger":
        to_psid = {"recipient": {"id": person}, "messaging_type": "RESPONSE"}
        token = {"access_token": "page-token"}
        file = {"attachment": {"type": "file", "payload": {"url": pdf}}}
        return [
            ("messenger/me/messages", token, None, {**to_psid, "message": {"text": text}}),
            ("messenger/me/messages", token, None, {**to_psid, "message": file}),
        ]
    return [
        ("telegram/bot42:abc/sendMessage", {}, None, {"chat_id": person, "text": text}),
        ("telegram/bot42:abc/sendDocument", {}, None, {"chat_id": person, "document": pdf}),
    ]


async def stored(app: FastAPI, collection: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = await app.state.runtime.mongo.db[collection].find(query).to_list()
    return docs


@pytest.mark.parametrize(
    ("channel", "person", "provider_ids"),
    [
        ("whatsapp", "34600111222", ["wamid.1", "wamid.2"]),
        ("messenger", "psid-7", ["m_1", "m_2"]),
        ("telegram", "987654", ["987654:1", "987654:2"]),
    ],
)
async def test_a_reply_reaches_the_provider_as_its_api_expects_and_is_reported_sent(
    service: Service,
    bearer: Bearer,
    provider: FakeProvider,
    reports: aio_pika.abc.AbstractQueue,
    channel: str,
    person: str,
    provider_ids: list[str],
) -> None:
    app, http = service
    app_id = await provider_app(http, bearer, channel)

    requested = await request_reply(app, app_id, channel, person, [PDF])
    envelope, report = await next_report(reports)

    message = requested.open(OutboundRequestedV1).message
    assert (report.app_id, report.chat_id, report.message_id, report.state, report.error) == (
        app_id,
        message.chat_id,
        message.id,
        "sent",
        None,
    )
    assert (envelope.workspace_id, envelope.causation_id) == ("ws-1", requested.event_id)
    calls = [(c.path, c.query, c.authorization, c.body) for c in provider.calls]
    assert calls == sent_to_provider(channel, person)
    records = await stored(app, "outbound_sent", {"message_id": message.id})
    assert sorted(r["_id"] for r in records) == [f"{app_id}:{p}" for p in provider_ids]
    assert {(r["workspace_id"], r["app_id"], r["chat_id"]) for r in records} == {
        ("ws-1", app_id, message.chat_id)
    }


async def test_a_provider_failing_twice_gets_the_message_once_it_recovers(
    service: Service, bearer: Bearer, provider: FakeProvider, reports: aio_pika.abc.AbstractQueue
) -> None:
    app, http = service
    app_id = await provider_app(http, bearer, "whatsapp")
    provider.failures = 2

    requested = await request_reply(app, app_id, "whatsapp", "34600111222")
    _, report = await next_report(reports)

    assert report.state == "sent"
    assert [c.path for c in provider.calls] == ["whatsapp/1055/messages"] * 3  # two 500s, then taken
    message_id = requested.open(OutboundRequestedV1).message.id
    assert [r["_id"] for r in await stored(app, "outbound_sent", {"message_id": message_id})] == [
        f"{app_id}:wamid.3"
    ]
    assert await stored(app, "outbound_dead_letters", {}) == []


async def test_a_provider_down_through_every_try_leaves_a_failed_report_and_a_dead_letter_to_replay(
    service: Service, bearer: Bearer, provider: FakeProvider, reports: aio_pika.abc.AbstractQueue
) -> None:
    app, http = service
    app_id = await provider_app(http, bearer, "telegram")
    provider.failures = 1000

    requested = await request_reply(app, app_id, "telegram", "987654")
    _, report = await next_report(reports)

    message = requested.open(OutboundRequestedV1).message
    assert (report.message_id, report.state, report.error) == (
        message.id,
        "failed",
        "telegram answered 500: temporarily unavailable",
    )
    assert len(provider.calls) == 3  # the three tries, then given up on
    [letter] = await stored(app, "outbound_dead_letters", {})
    assert (letter["_id"], letter["app_id"], letter["message_id"], letter["error"]) == (
        requested.event_id,
        app_id,
        message.id,
        "telegram answered 500: temporarily unavailable",
    )
    assert isinstance(letter["at"], datetime)
    assert await stored(app, "outbound_sent", {}) == []

    # Nothing lost: the letter holds the event, and once the provider is back it goes through.
    provider.failures = 0
    await app.state.runtime.publisher.publish(Envelope.model_validate(letter["envelope"]))
    _, again = await next_report(reports)
    assert (again.message_id, again.state) == (message.id, "sent")
    assert provider.calls[-1].body == {"chat_id": "987654", "text": "Your refund is on its way"}


async def test_a_redelivery_is_not_sent_twice_and_a_status_callback_maps_back_to_our_message(
    service: Service, bearer: Bearer, provider: FakeProvider, reports: aio_pika.abc.AbstractQueue
) -> None:
    app, http = service
    app_id = await provider_app(http, bearer, "whatsapp")
    requested = await request_reply(app, app_id, "whatsapp", "34600111222")
    message = requested.open(OutboundRequestedV1).message
    assert (await next_report(reports))[1].state == "sent"

    await app.state.runtime.publisher.publish(requested)  # the same event again
    assert (await next_report(reports))[1].state == "sent"
    assert len(provider.calls) == 1

    whatsapp = App.from_doc((await stored(app, "apps", {"_id": app_id}))[0])
    assert await app.state.receipts.provider_status(whatsapp, "wamid.1", "delivered")
    envelope, report = await next_report(reports)
    assert (report.app_id, report.chat_id, report.message_id, report.state) == (
        app_id,
        message.chat_id,
        message.id,
        "delivered",
    )
    assert envelope.workspace_id == "ws-1"
    assert not await app.state.receipts.provider_status(whatsapp, "wamid.someone-elses", "read")
