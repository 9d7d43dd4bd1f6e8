"""The webchat requests (a table per schema of what each accepts and refuses) and the socket frames."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ingest.webchat.schemas import (
    AckFrame,
    ErrorFrame,
    FrameError,
    MessageFrame,
    SessionCreate,
    WebchatMessage,
)
from livechat_shared.contracts import MessageView
from pydantic import ValidationError

VISITOR_ID_SHAPE = "visitor_id must be 8-64 characters"

# --- sessions ---------------------------------------------------------------------------------

SESSION_ACCEPTED = [
    *[
        pytest.param({"visitor_id": v}, {"visitor_id": v}, id=f"visitor-id-{v[:12]}")
        for v in ["abcdefgh", "A1_b2-C3", "x" * 64, "v-0123456789_abcdefABCDEF"]
    ],
    pytest.param(
        {}, {"visitor_id": None, "visitor_hash": None, "name": None, "language": None}, id="no-visitor-id"
    ),
    pytest.param(
        {"visitor_id": "abcdefgh", "visitor_hash": "aB" * 32},
        {"visitor_hash": "aB" * 32},
        id="visitor-hash-hex-64",
    ),
    pytest.param({"name": "Ana", "language": "pt-BR"}, {"language": "pt-BR"}, id="name-and-language"),
]


@pytest.mark.parametrize(("values", "expected"), SESSION_ACCEPTED)
def test_session_create_accepts(values: dict[str, Any], expected: dict[str, Any]) -> None:
    session = SessionCreate(**values)
    assert {k: getattr(session, k) for k in expected} == expected


SESSION_REFUSED = [
    *[
        pytest.param({"visitor_id": v}, VISITOR_ID_SHAPE, id=f"visitor-id-{v[:12]!r}")
        for v in [
            "",
            "abcdefg",  # 7 characters
            "x" * 65,
            "abc defgh",
            "abcdefgh!",
            "abcd.efgh",
            "émile-visitor",
            "../../etc/passwd",
            "abcdefgh:1",  # ':' separates visitor and message ids in external_message_id
            "\nabcdefgh",
            "abcdefgh\nabcdefgh",
            "abcdefgh\n",  # ``$`` also matches before a final newline: the pattern alone lets it through
        ]
    ],
    pytest.param({"visitor_id": "abcdefgh", "email": "a@b.example"}, None, id="unknown-field"),
    pytest.param({"name": "x" * 201}, None, id="name-201"),
    pytest.param({"visitor_hash": "ab" * 32}, "visitor_hash needs the visitor_id", id="hash-without-id"),
    *[
        pytest.param({"visitor_id": "abcdefgh", "visitor_hash": h}, "pattern", id=f"visitor-hash-{n}")
        for n, h in [("63", "a" * 63), ("65", "a" * 65), ("not-hex", "g" * 64), ("newline", "a" * 64 + "\n")]
    ],
]


@pytest.mark.parametrize(("values", "message"), SESSION_REFUSED)
def test_session_create_refuses(values: dict[str, Any], message: str | None) -> None:
    with pytest.raises(ValidationError, match=message):
        SessionCreate(**values)


# --- messages ---------------------------------------------------------------------------------

ATTACHMENT = {"url": "https://files.example/a.png", "content_type": "image/png"}

MESSAGE_ACCEPTED = [
    pytest.param(
        {"text": "Is my order shipped?", "client_message_id": "m-1"}, {"attachments": []}, id="text"
    ),
    pytest.param(
        {"attachments": [{**ATTACHMENT, "size": 10}], "client_message_id": "m-2"},
        {"text": ""},
        id="only-an-attachment",
    ),
    pytest.param({"text": "x" * 4096, "client_message_id": "m-4"}, {}, id="text-4096"),
    pytest.param(
        {"attachments": [{**ATTACHMENT, "size": 2**53 - 1}], "client_message_id": "m-7"},
        {},
        id="size-2**53-1",
    ),
]


@pytest.mark.parametrize(("values", "expected"), MESSAGE_ACCEPTED)
def test_webchat_message_accepts(values: dict[str, Any], expected: dict[str, Any]) -> None:
    message = WebchatMessage(**values)
    assert {k: getattr(message, k) for k in expected} == expected
    assert [a.size for a in message.attachments] == [a.get("size") for a in values.get("attachments", [])]


# (values, and what the first error must show: message fragment, loc, type)
MESSAGE_REFUSED = [
    *[
        pytest.param(
            {"text": t, "client_message_id": "m-3"},
            {"match": "needs text or at least one attachment"},
            id=f"empty-{t!r}",
        )
        for t in ["", " ", "\n\t "]
    ],
    pytest.param({"text": "x" * 4097, "client_message_id": "m-4"}, {"loc": ("text",)}, id="text-4097"),
    pytest.param({"attachments": [ATTACHMENT] * 11, "client_message_id": "m-5"}, {}, id="11-attachments"),
    pytest.param(
        {"attachments": [{**ATTACHMENT, "size": -1}], "client_message_id": "m-5"}, {}, id="negative-size"
    ),
    pytest.param(
        {"attachments": [{**ATTACHMENT, "size": 2**53}], "client_message_id": "m-5"},
        {"match": "less than or equal to 9007199254740991"},
        id="size-2**53",
    ),
    pytest.param({"text": "hi"}, {"loc": ("client_message_id",)}, id="no-client-message-id"),
    pytest.param({"text": "hi", "client_message_id": ""}, {}, id="empty-client-message-id"),
    pytest.param({"text": "hi", "client_message_id": "x" * 101}, {}, id="client-message-id-101"),
    pytest.param(
        {"text": "hi", "client_message_id": "m-6", "author": "agent"}, {"type": "extra_forbidden"}, id="extra"
    ),
]


@pytest.mark.parametrize(("values", "expect"), MESSAGE_REFUSED)
def test_webchat_message_refuses(values: dict[str, Any], expect: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=expect.get("match")) as info:
        WebchatMessage(**values)
    first = info.value.errors()[0]
    if "loc" in expect:
        assert first["loc"] == expect["loc"]
    if "type" in expect:
        assert first["type"] == expect["type"]


# --- frames -----------------------------------------------------------------------------------


def test_frames_as_the_person_receives_them() -> None:
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
    assert MessageFrame(cursor=3, message=message).model_dump(mode="json") == {
        "type": "message",
        "cursor": 3,
        "message": message.model_dump(mode="json"),
    }
    assert AckFrame(client_message_id="c-2", status="accepted").model_dump(mode="json") == {
        "type": "ack",
        "client_message_id": "c-2",
        "status": "accepted",
    }
    banned = AckFrame(client_message_id="c-3", status="banned", notice="You cannot write here.")
    assert banned.model_dump(mode="json")["notice"] == "You cannot write here."
    error = FrameError(code="invalid_json", message="frames are JSON objects")
    assert ErrorFrame(error=error).model_dump(mode="json") == {
        "type": "error",
        "error": {"code": "invalid_json", "message": "frames are JSON objects"},
    }
    limited = FrameError(code="rate_limited", message="too many", retry_after=5)
    assert ErrorFrame(error=limited).model_dump(mode="json")["error"] == {
        "code": "rate_limited",
        "message": "too many",
        "retry_after": 5,
    }
    assert list(ErrorFrame(client_message_id="c-3", error=error).model_dump(mode="json")) == [
        "type",
        "client_message_id",
        "error",
    ]
