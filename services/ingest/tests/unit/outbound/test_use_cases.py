"""Outbound delivery and status callbacks against in-memory stores, a scripted provider and a sleep
that only records: every path ends in a ``sent`` or ``failed`` report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from ingest.core.models import App
from ingest.errors import BrokerUnavailable
from ingest.outbound.rules import SendFailed
from ingest.outbound.use_cases import OutboundUseCases, ReceiptUseCases
from livechat_shared.contracts import DeliveryUpdatedV1, Envelope, MessageView, OutboundRequestedV1

pytestmark = pytest.mark.usefixtures("whatsapp_app")

UNAVAILABLE = SendFailed("whatsapp answered 503: try later", retryable=True)


def requested(message: MessageView, channel: str = "whatsapp", app_id: str = "app-1") -> Envelope:
    event = OutboundRequestedV1(
        app_id=app_id,
        channel=channel,
        person_external_id="34600111222",
        message=message,  # type: ignore[arg-type]
    )
    return Envelope.wrap(event, workspace_id="ws-1", chat_id=message.chat_id, correlation_id="corr-9")


async def deliver(outbound: OutboundUseCases, envelope: Envelope) -> None:
    await outbound.deliver(envelope.open(OutboundRequestedV1), envelope)


def reports(publisher: Any) -> list[tuple[str, str, str | None]]:
    return [(u.message_id, u.state, u.error) for u in publisher.of(DeliveryUpdatedV1)]


async def test_a_provider_that_fails_twice_then_takes_the_message_gets_it_once_and_it_is_sent(
    outbound: OutboundUseCases,
    api: Any,
    sent: Any,
    dead_letters: Any,
    publisher: Any,
    sleeps: list[float],
    make_message: Callable[..., Any],
) -> None:
    api.script = [UNAVAILABLE, UNAVAILABLE, "wamid.1"]
    envelope = requested(make_message())

    await deliver(outbound, envelope)

    assert [c.body for c in api.calls] == [{"to": "34600111222", "text": "Hello!"}] * 3
    assert api.calls[0].headers == {"access_token": "tok", "phone_number_id": "123"}  # the app's
    assert sleeps == [0.5, 1.0]
    assert reports(publisher) == [("msg-1", "sent", None)]
    assert publisher.published[0].causation_id == envelope.event_id
    record = sent.stored["app-1:wamid.1"]
    assert (record.workspace_id, record.app_id, record.chat_id, record.message_id) == (
        "ws-1",
        "app-1",
        "chat-1",
        "msg-1",
    )
    assert dead_letters.stored == {}


async def test_a_provider_down_through_every_try_leaves_a_dead_letter_and_a_failed_report(
    outbound: OutboundUseCases,
    api: Any,
    sent: Any,
    dead_letters: Any,
    publisher: Any,
    sleeps: list[float],
    make_message: Callable[..., Any],
) -> None:
    api.script = [UNAVAILABLE] * 5
    envelope = requested(make_message())

    await deliver(outbound, envelope)

    assert (len(api.calls), sleeps) == (5, [0.5, 1.0, 2.0, 4.0])
    assert reports(publisher) == [("msg-1", "failed", "whatsapp answered 503: try later")]
    letter = dead_letters.stored[envelope.event_id]
    assert (letter.workspace_id, letter.app_id, letter.channel, letter.message_id, letter.error) == (
        "ws-1",
        "app-1",
        "whatsapp",
        "msg-1",
        "whatsapp answered 503: try later",
    )
    assert Envelope.model_validate(letter.envelope) == envelope  # kept whole, to publish again
    assert sent.stored == {}


async def test_a_refusal_fails_at_once(
    outbound: OutboundUseCases,
    api: Any,
    dead_letters: Any,
    publisher: Any,
    sleeps: list[float],
    make_message: Callable[..., Any],
) -> None:
    api.script = [SendFailed("whatsapp answered 400: (#131030) not in allowed list")]

    await deliver(outbound, requested(make_message()))

    assert (len(api.calls), sleeps) == (1, [])
    assert reports(publisher) == [("msg-1", "failed", "whatsapp answered 400: (#131030) not in allowed list")]
    assert len(dead_letters.stored) == 1


async def test_a_redelivered_message_sent_before_is_reported_again_not_sent_again(
    outbound: OutboundUseCases, api: Any, publisher: Any, make_message: Callable[..., Any]
) -> None:
    envelope = requested(make_message())

    await deliver(outbound, envelope)
    await deliver(outbound, envelope)  # the broker redelivers

    assert len(api.calls) == 1
    assert reports(publisher) == [("msg-1", "sent", None)] * 2


async def test_a_broker_outage_while_reporting_sent_brings_the_event_back_without_a_second_send(
    outbound: OutboundUseCases, api: Any, publisher: Any, make_message: Callable[..., Any]
) -> None:
    envelope = requested(make_message())
    publisher.down = True
    with pytest.raises(BrokerUnavailable):
        await deliver(outbound, envelope)

    publisher.down = False
    await deliver(outbound, envelope)

    assert len(api.calls) == 1
    assert reports(publisher) == [("msg-1", "sent", None)]


async def test_a_broker_outage_while_reporting_failed_keeps_the_letter_and_brings_the_event_back(
    outbound: OutboundUseCases, api: Any, dead_letters: Any, publisher: Any, make_message: Callable[..., Any]
) -> None:
    api.script = [SendFailed("whatsapp answered 400: no")] * 2
    envelope = requested(make_message())
    publisher.down = True
    with pytest.raises(BrokerUnavailable):
        await deliver(outbound, envelope)
    assert list(dead_letters.stored) == [envelope.event_id]

    publisher.down = False
    await deliver(outbound, envelope)

    assert reports(publisher) == [("msg-1", "failed", "whatsapp answered 400: no")]
    assert list(dead_letters.stored) == [envelope.event_id]  # one letter per event


async def test_a_part_the_provider_took_is_not_sent_again_when_the_next_one_is_retried(
    outbound: OutboundUseCases, api: Any, sent: Any, publisher: Any, make_message: Callable[..., Any]
) -> None:
    api.script = ["wamid.text", UNAVAILABLE, "wamid.photo"]

    await deliver(outbound, requested(make_message("Look", (("https://cdn.example/a.png", "image/png"),))))

    assert [c.body for c in api.calls] == [
        {"to": "34600111222", "text": "Look"},
        {"to": "34600111222", "link": "https://cdn.example/a.png"},
        {"to": "34600111222", "link": "https://cdn.example/a.png"},
    ]
    assert sorted(sent.stored) == ["app-1:wamid.photo", "app-1:wamid.text"]  # either status maps back
    assert reports(publisher) == [("msg-1", "sent", None)]


async def test_the_wait_between_tries_doubles_up_to_a_cap(
    outbound: OutboundUseCases, api: Any, sleeps: list[float], make_message: Callable[..., Any]
) -> None:
    api.script = [UNAVAILABLE] * 9
    slow = dataclasses.replace(outbound, attempts=10, backoff_seconds=4)

    await deliver(slow, requested(make_message()))

    assert sleeps == [4, 8, 16, 30, 30, 30, 30, 30, 30]


@pytest.mark.parametrize(
    ("channel", "app_id", "reason"),
    [
        ("whatsapp", "gone", "no whatsapp app gone"),
        ("telegram", "app-1", "no telegram app app-1"),  # the app is a WhatsApp one
    ],
)
async def test_a_reply_for_an_app_that_is_not_there_fails_without_a_call(
    outbound: OutboundUseCases,
    api: Any,
    dead_letters: Any,
    publisher: Any,
    make_message: Callable[..., Any],
    channel: str,
    app_id: str,
    reason: str,
) -> None:
    await deliver(outbound, requested(make_message(), channel=channel, app_id=app_id))

    assert api.calls == []
    assert reports(publisher) == [("msg-1", "failed", reason)]
    assert len(dead_letters.stored) == 1


async def test_an_empty_message_fails_without_a_call(
    outbound: OutboundUseCases, api: Any, publisher: Any, make_message: Callable[..., Any]
) -> None:
    await deliver(outbound, requested(make_message("")))

    assert api.calls == []
    assert reports(publisher) == [("msg-1", "failed", "the message has neither text nor attachments")]


async def test_a_status_callback_maps_the_provider_id_back_to_our_message(
    outbound: OutboundUseCases,
    receipts: ReceiptUseCases,
    api: Any,
    publisher: Any,
    whatsapp_app: App,
    make_app: Callable[..., App],
    make_message: Callable[..., Any],
) -> None:
    api.script = ["wamid.1"]
    await deliver(outbound, requested(make_message()))
    publisher.published.clear()

    assert await receipts.provider_status(whatsapp_app, "wamid.1", "delivered")
    assert await receipts.provider_status(whatsapp_app, "wamid.1", "failed", error="(#131047) re-engagement")
    assert not await receipts.provider_status(whatsapp_app, "wamid.unknown", "read")
    assert not await receipts.provider_status(make_app(id="app-2", channel="whatsapp"), "wamid.1", "read")

    assert reports(publisher) == [
        ("msg-1", "delivered", None),
        ("msg-1", "failed", "(#131047) re-engagement"),
    ]
    update = publisher.published[0]
    assert (update.workspace_id, update.chat_id, update.open(DeliveryUpdatedV1).app_id) == (
        "ws-1",
        "chat-1",
        "app-1",
    )
