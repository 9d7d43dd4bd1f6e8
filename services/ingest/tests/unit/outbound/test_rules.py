"""The provider calls that carry a reply on each channel, the provider's message id in its answer, and
which failures are worth another try."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ingest.outbound import rules
from ingest.outbound.schemas import ProviderRequest

WHATSAPP = {"app_secret": "s", "verify_token": "v", "access_token": "wa-token", "phone_number_id": "1055"}
MESSENGER = {"app_secret": "s", "verify_token": "v", "page_access_token": "page-token"}
TELEGRAM = {"bot_token": "42:abc", "secret_token": "t"}
FILES = (
    ("https://cdn.example/a.png", "image/png"),
    ("https://cdn.example/b.ogg", "audio/ogg"),
    ("https://cdn.example/c.mp4", "video/mp4"),
    ("https://cdn.example/d.pdf", "application/pdf"),
)


def test_whatsapp_sends_the_text_then_one_message_per_attachment(make_message: Callable[..., Any]) -> None:
    requests = rules.whatsapp_requests(WHATSAPP, "34600111222", make_message("Hi there", FILES))

    person = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "34600111222"}
    assert [r.body for r in requests] == [
        {**person, "type": "text", "text": {"body": "Hi there"}},
        {**person, "type": "image", "image": {"link": "https://cdn.example/a.png"}},
        {**person, "type": "audio", "audio": {"link": "https://cdn.example/b.ogg"}},
        {**person, "type": "video", "video": {"link": "https://cdn.example/c.mp4"}},
        {**person, "type": "document", "document": {"link": "https://cdn.example/d.pdf"}},
    ]
    assert {(r.path, r.headers["Authorization"], str(r.params)) for r in requests} == {
        ("1055/messages", "Bearer wa-token", "{}")
    }


def test_messenger_answers_the_person_with_the_page_token(make_message: Callable[..., Any]) -> None:
    requests = rules.messenger_requests(MESSENGER, "psid-7", make_message("Hi there", FILES))

    def sent(message: dict[str, Any]) -> dict[str, Any]:
        return {"recipient": {"id": "psid-7"}, "messaging_type": "RESPONSE", "message": message}

    def attachment(kind: str, url: str) -> dict[str, Any]:
        return sent({"attachment": {"type": kind, "payload": {"url": url}}})

    assert [r.body for r in requests] == [
        sent({"text": "Hi there"}),
        attachment("image", "https://cdn.example/a.png"),
        attachment("audio", "https://cdn.example/b.ogg"),
        attachment("video", "https://cdn.example/c.mp4"),
        attachment("file", "https://cdn.example/d.pdf"),
    ]
    assert {(r.path, str(r.params), str(r.headers)) for r in requests} == {
        ("me/messages", "{'access_token': 'page-token'}", "{}")
    }


def test_telegram_sends_a_photo_for_an_image_and_a_document_for_any_other_file(
    make_message: Callable[..., Any],
) -> None:
    requests = rules.telegram_requests(TELEGRAM, "987", make_message("Hi there", FILES[::3]))

    assert [(r.path, r.body) for r in requests] == [
        ("bot42:abc/sendMessage", {"chat_id": "987", "text": "Hi there"}),
        ("bot42:abc/sendPhoto", {"chat_id": "987", "photo": "https://cdn.example/a.png"}),
        ("bot42:abc/sendDocument", {"chat_id": "987", "document": "https://cdn.example/d.pdf"}),
    ]


def test_a_text_longer_than_the_provider_takes_goes_in_parts_and_no_text_in_none(
    make_message: Callable[..., Any],
) -> None:
    long = "a" * 2000 + "b" * 1500
    assert [
        r.body["message"]["text"] for r in rules.messenger_requests(MESSENGER, "p", make_message(long))
    ] == [
        "a" * 2000,
        "b" * 1500,
    ]
    assert len(rules.whatsapp_requests(WHATSAPP, "1", make_message(long))) == 1
    only_a_file = make_message("", FILES[:1])
    assert [r.path for r in rules.telegram_requests(TELEGRAM, "1", only_a_file)] == ["bot42:abc/sendPhoto"]
    assert rules.telegram_requests(TELEGRAM, "1", make_message("")) == []


@pytest.mark.parametrize(
    ("build", "credentials", "missing"),
    [
        (rules.whatsapp_requests, {**WHATSAPP, "access_token": ""}, "access_token"),
        (rules.messenger_requests, {}, "page_access_token"),
        (rules.telegram_requests, {"secret_token": "t"}, "bot_token"),
    ],
)
def test_a_missing_credential_fails_for_good(
    build: Any, credentials: dict[str, str], missing: str, make_message: Callable[..., Any]
) -> None:
    with pytest.raises(rules.SendFailed) as info:
        build(credentials, "1", make_message())
    assert (str(info.value), info.value.retryable) == (f"the app has no {missing}", False)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
    ],
)
def test_only_throttling_and_server_errors_are_tried_again(status: int, retryable: bool) -> None:
    assert rules.retryable_status(status) is retryable
    assert rules.worth_retrying(rules.refused("whatsapp", status, None)) is retryable


def test_a_failure_not_from_a_provider_is_never_retried() -> None:
    assert rules.worth_retrying(rules.SendFailed("down", retryable=True))
    assert not rules.worth_retrying(ValueError("a bug"))


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            {"error": {"message": "(#131030) Recipient phone number not in allowed list", "code": 131030}},
            "whatsapp answered 400: (#131030) Recipient phone number not in allowed list",
        ),
        (
            {"ok": False, "description": "Bad Request: chat not found"},
            "whatsapp answered 400: Bad Request: chat not found",
        ),
        (None, "whatsapp answered 400: no reason given"),
        ({"error": "flat"}, "whatsapp answered 400: no reason given"),
    ],
)
def test_a_refusal_says_why_in_the_providers_words(answer: Any, reason: str) -> None:
    assert str(rules.refused("whatsapp", 400, answer)) == reason


def test_the_provider_message_id_is_read_from_each_answer() -> None:
    assert rules.whatsapp_message_id({"messages": [{"id": "wamid.HBg"}]}) == "wamid.HBg"
    assert rules.messenger_message_id({"recipient_id": "1", "message_id": "m_AG5"}) == "m_AG5"
    request = ProviderRequest("bot1:a/sendMessage", {"chat_id": "987", "text": "hi"})
    assert rules.telegram_message_id(request, {"ok": True, "result": {"message_id": 55}}) == "987:55"


@pytest.mark.parametrize(
    "answer", [None, [], {}, {"messages": []}, {"messages": [{"id": ""}]}, {"message_id": 5}]
)
def test_an_answer_without_a_message_id_has_none(answer: Any) -> None:
    assert rules.whatsapp_message_id(answer) is None
    assert rules.messenger_message_id(answer) is None
    request = ProviderRequest("bot1:a/sendMessage", {"chat_id": "987"})
    assert rules.telegram_message_id(request, answer) is None
    assert rules.telegram_message_id(request, {"ok": False, "result": {"message_id": 5}}) is None
