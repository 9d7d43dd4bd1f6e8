"""The provider channels' rules: signatures, secrets and the handshake; each provider's real payload
shapes read into channel-neutral messages, and what is not a message left out."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from ingest.channels.rules import Malformed, handshake_answer, parse, same_secret, signature_valid

MEDIA = "https://graph.example/v21.0"


def signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def whatsapp(*messages: dict[str, Any], statuses: list[dict[str, Any]] | None = None) -> bytes:
    """A WhatsApp Cloud API delivery as Meta posts it."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1234567890"},
        "contacts": [{"profile": {"name": "Kim"}, "wa_id": "15551234567"}],
        "messages": list(messages),
    }
    if statuses is not None:
        value = {"messaging_product": "whatsapp", "statuses": statuses}
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA-1", "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(payload).encode()


def wa(kind: str, **content: Any) -> dict[str, Any]:
    return {"from": "15551234567", "id": f"wamid.{kind}", "timestamp": "1700000000", "type": kind, **content}


# --- who may post ---


def test_a_signature_is_the_hmac_of_the_exact_body_with_the_app_secret() -> None:
    body = b'{"object":"page","entry":[]}'
    assert signature_valid("s3cret", body, signed("s3cret", body))
    assert not signature_valid("s3cret", body + b" ", signed("s3cret", body))  # one byte more
    assert not signature_valid("other", body, signed("s3cret", body))
    assert not signature_valid("s3cret", body, None)
    assert not signature_valid("s3cret", body, signed("s3cret", body).removeprefix("sha256="))
    assert not signature_valid("", body, signed("", body))  # an app without a secret accepts nothing


def test_secrets_compare_whole_and_a_missing_one_never_matches() -> None:
    assert same_secret("tok", "tok")
    assert not same_secret("tok", "to")
    assert not same_secret("tok", None)
    assert not same_secret("", "")


def test_the_handshake_echoes_the_challenge_only_for_our_verify_token() -> None:
    assert handshake_answer("vt", "subscribe", "vt", "1158201444") == "1158201444"
    assert handshake_answer("vt", "subscribe", "wrong", "1158201444") is None
    assert handshake_answer("vt", "unsubscribe", "vt", "1158201444") is None
    assert handshake_answer("vt", "subscribe", "vt", None) is None


# --- WhatsApp ---


def test_whatsapp_text_carries_the_contacts_name_and_the_message_id() -> None:
    [message] = parse("whatsapp", whatsapp(wa("text", text={"body": "Hi there"}))).messages

    assert message.external_message_id == "wamid.text"
    assert (message.person.external_id, message.person.name) == ("15551234567", "Kim")
    assert message.text == "Hi there"


def test_whatsapp_media_become_attachments_and_locations_and_buttons_text() -> None:
    body = whatsapp(
        wa("image", image={"id": "MEDIA-1", "mime_type": "image/jpeg", "sha256": "x", "caption": "look"}),
        wa("document", document={"id": "MEDIA-2", "mime_type": "application/pdf", "filename": "a.pdf"}),
        wa("audio", audio={"id": "MEDIA-3", "mime_type": "audio/ogg; codecs=opus", "voice": True}),
        wa(
            "location",
            location={"latitude": 52.52, "longitude": 13.405, "name": "Office", "address": "Main 1"},
        ),
        wa("button", button={"text": "Yes please", "payload": "YES"}),
        wa(
            "interactive",
            interactive={"type": "button_reply", "button_reply": {"id": "b1", "title": "Talk to a human"}},
        ),
        wa("interactive", interactive={"type": "list_reply", "list_reply": {"id": "l1", "title": "Billing"}}),
    )
    image, document, audio, location, button, reply, listed = parse("whatsapp", body, MEDIA).messages

    assert image.text == "look"
    assert [(a.url, a.content_type) for a in image.attachments] == [(f"{MEDIA}/MEDIA-1", "image/jpeg")]
    assert (document.attachments[0].name, document.attachments[0].content_type) == (
        "a.pdf",
        "application/pdf",
    )
    assert audio.attachments[0].url == f"{MEDIA}/MEDIA-3" and audio.text == ""
    assert location.text == "📍 Office, Main 1 (52.520000,13.405000)"
    assert (button.text, reply.text, listed.text) == ("Yes please", "Talk to a human", "Billing")


def test_whatsapp_statuses_become_receipts_and_unknown_kinds_are_left_out() -> None:
    statuses = [
        {"id": "wamid.out1", "status": "delivered", "timestamp": "1700000001", "recipient_id": "1555"},
        {"id": "wamid.out1", "status": "read", "timestamp": "1700000002", "recipient_id": "1555"},
        {
            "id": "wamid.out2",
            "status": "failed",
            "timestamp": "1700000003",
            "errors": [{"code": 131047, "title": "Re-engagement message"}],
        },
        {"id": "wamid.out3", "status": "deleted", "timestamp": "1700000004"},
    ]
    parsed = parse("whatsapp", whatsapp(statuses=statuses))

    assert parsed.messages == () and parsed.ignored == 1  # "deleted" is no delivery state
    assert [(s.provider_message_id, s.state, s.error) for s in parsed.statuses] == [
        ("wamid.out1", "delivered", None),
        ("wamid.out1", "read", None),
        ("wamid.out2", "failed", "Re-engagement message"),
    ]

    parsed = parse("whatsapp", whatsapp(wa("unsupported", errors=[{"code": 131051}])))
    assert (parsed.messages, parsed.ignored) == ((), 1)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'{"object": "page", "entry": []}',  # a Messenger payload on a WhatsApp webhook
        b'{"object": "whatsapp_business_account"}',
        json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [{"changes": [{"value": {"messages": [{"id": "x"}]}}]}],
            }
        ).encode(),
    ],
)
def test_a_body_that_is_not_a_whatsapp_payload_is_malformed(body: bytes) -> None:
    with pytest.raises(Malformed):
        parse("whatsapp", body)


# --- Messenger ---


def messenger(*events: dict[str, Any]) -> bytes:
    return json.dumps(
        {"object": "page", "entry": [{"id": "PAGE-1", "time": 1700000000, "messaging": list(events)}]}
    ).encode()


def ms(**event: Any) -> dict[str, Any]:
    return {"sender": {"id": "PSID-1"}, "recipient": {"id": "PAGE-1"}, "timestamp": 1700000000, **event}


def test_messenger_messages_attachments_and_postbacks_are_read_and_echoes_left_out() -> None:
    body = messenger(
        ms(message={"mid": "m_1", "text": "hello"}),
        ms(
            message={
                "mid": "m_2",
                "attachments": [{"type": "image", "payload": {"url": "https://cdn.example/p.jpg"}}],
            }
        ),
        ms(message={"mid": "m_3", "text": "our own reply", "is_echo": True, "app_id": 1}),
        ms(postback={"mid": "m_4", "title": "Get started", "payload": "START"}),
        ms(delivery={"mids": ["m_out"], "watermark": 1700000000}),
        ms(read={"watermark": 1700000000}),
    )
    parsed = parse("messenger", body)

    assert [(m.external_message_id, m.text) for m in parsed.messages] == [
        ("m_1", "hello"),
        ("m_2", ""),
        ("m_4", "Get started"),
    ]
    assert parsed.messages[1].attachments[0].url == "https://cdn.example/p.jpg"
    assert parsed.messages[0].person.external_id == "PSID-1"
    assert [(s.provider_message_id, s.state) for s in parsed.statuses] == [("m_out", "delivered")]
    assert parsed.ignored == 2  # the echo and the read (a watermark names no message)


# --- Telegram ---


def telegram(**update: Any) -> bytes:
    return json.dumps({"update_id": 10001, **update}).encode()


def tg_message(**content: Any) -> dict[str, Any]:
    return {
        "message_id": 77,
        "from": {
            "id": 4242,
            "is_bot": False,
            "first_name": "Ana",
            "last_name": "Li",
            "language_code": "pt-BR",
        },
        "chat": {"id": 4242, "type": "private"},
        "date": 1700000000,
        **content,
    }


def test_telegram_messages_name_the_person_and_key_by_chat_and_message_id() -> None:
    [message] = parse("telegram", telegram(message=tg_message(text="olá"))).messages

    assert message.external_message_id == "4242:77"
    assert (message.person.external_id, message.person.name, message.person.language) == (
        "4242",
        "Ana Li",
        "pt-BR",
    )
    assert message.text == "olá"


def test_telegram_captions_locations_callbacks_and_what_is_left_out() -> None:
    photo = parse(
        "telegram", telegram(message=tg_message(photo=[{"file_id": "F", "width": 1, "height": 1}]))
    ).messages
    assert photo[0].text == "[photo]"
    located = parse(
        "telegram", telegram(message=tg_message(location={"latitude": 1.5, "longitude": 2.5}))
    ).messages
    assert located[0].text == "📍 1.500000,2.500000"
    callback = {"id": "CB1", "from": {"id": 4242, "first_name": "Ana"}, "data": "human", "chat_instance": "x"}
    assert parse("telegram", telegram(callback_query=callback)).messages[0].text == "human"
    edited = parse("telegram", telegram(edited_message=tg_message(text="fixed")))
    assert (edited.messages, edited.ignored) == ((), 1)
    with pytest.raises(Malformed):
        parse("telegram", b'{"message": {"text": "no update id"}}')


# --- the API channel ---


def test_the_api_channel_takes_its_own_shape_and_nothing_else() -> None:
    body = {"external_message_id": "ext-1", "person": {"external_id": "crm-9", "name": "Bo"}, "text": "hey"}
    [message] = parse("api", json.dumps(body).encode()).messages
    assert (message.external_message_id, message.person.name, message.text) == ("ext-1", "Bo", "hey")

    for bad in (
        {**body, "surprise": 1},
        {**body, "person": {}},
        {**body, "attachments": [{"url": "javascript:x", "content_type": "text/html"}]},
    ):
        with pytest.raises(Malformed):
            parse("api", json.dumps(bad).encode())
