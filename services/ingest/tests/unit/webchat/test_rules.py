"""Pure rules of webchat: visitor ids, what a person's message becomes, reading socket frames."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ingest.core.models import App, WebchatSession
from ingest.webchat import rules
from ingest.webchat.rules import (
    broker_unavailable_frame,
    nests_deeper_than,
    new_visitor_id,
    parse_after,
    parse_frame,
    rate_limited_frame,
    read_frame,
    seconds_left,
    visitor_hash,
    visitor_proven,
    webchat_received,
)
from ingest.webchat.schemas import VISITOR_ID, ErrorFrame, SessionCreate, WebchatMessage
from livechat_shared.contracts import Envelope, MessageReceivedV1

APP_DOC: dict[str, Any] = {
    "_id": "app-1",
    "workspace_id": "ws-1",
    "teamspace_id": "ts-1",
    "team_ids": ["t-1", "t-2"],
    "channel": "webchat",
    "name": "Acme Site",
    "credentials": {},
    "identity_secret": "s3cret-of-app-1",
    "created_at": datetime(2025, 1, 2, tzinfo=UTC),
}
APP = App.from_doc(APP_DOC)
GOOD = '{"type": "message", "text": "hi", "client_message_id": "c-1"}'


def session(visitor_id: str, **fields: Any) -> WebchatSession:
    at = datetime(2025, 3, 14, tzinfo=UTC)
    values: dict[str, Any] = {
        "id": "digest",
        "app_id": "app-1",
        "workspace_id": "ws-1",
        "visitor_id": visitor_id,
        "created_at": at,
        "expires_at": at,
    }
    return WebchatSession(**{**values, **fields})


def test_new_visitor_ids_fit_the_pattern_and_differ() -> None:
    ids = {new_visitor_id() for _ in range(200)}
    assert len(ids) == 200
    for visitor_id in ids:
        assert VISITOR_ID.fullmatch(visitor_id)
        assert SessionCreate(visitor_id=visitor_id).visitor_id == visitor_id


# --- normalisation ----------------------------------------------------------------------------


def test_webchat_received_maps_the_message() -> None:
    message = WebchatMessage.model_validate(
        {
            "text": "Olá!",
            "attachments": [{"url": "https://files.example/a.png", "content_type": "image/png"}],
            "client_message_id": "cm-9",
        }
    )
    at = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

    event = webchat_received(APP, session("visitor-1234", name="Ana", language="pt"), message, at)

    assert isinstance(event, MessageReceivedV1)
    assert event.app_id == "app-1"
    assert event.app_name == "Acme Site"
    assert event.teamspace_id == "ts-1"
    assert event.team_ids == ["t-1", "t-2"]
    assert event.channel == "webchat"
    assert event.external_message_id == "visitor-1234:cm-9"
    assert event.person.external_id == "visitor-1234"
    assert event.person.name == "Ana"
    assert event.person.language == "pt"
    assert event.text == "Olá!"
    assert [a.url for a in event.attachments] == ["https://files.example/a.png"]
    assert event.received_at == at
    # and it travels as its contract
    envelope = Envelope.wrap(event, workspace_id=APP.workspace_id)
    assert envelope.open(MessageReceivedV1) == event


def test_webchat_received_for_an_anonymous_visitor_and_an_app_without_teams() -> None:
    app = App.from_doc({k: v for k, v in APP_DOC.items() if k != "team_ids"})
    event = webchat_received(
        app,
        session("anon-5678"),
        WebchatMessage(text="hi", client_message_id="1"),
        datetime(2025, 3, 14, tzinfo=UTC),
    )
    assert event.team_ids == []
    assert event.person.name is None and event.person.language is None
    assert event.external_message_id == "anon-5678:1"


def test_the_same_client_message_id_maps_to_the_same_external_id() -> None:
    at = datetime(2025, 3, 14, tzinfo=UTC)
    first = webchat_received(
        APP, session("visitor-1234"), WebchatMessage(text="a", client_message_id="x"), at
    )
    retry = webchat_received(
        APP, session("visitor-1234"), WebchatMessage(text="a", client_message_id="x"), at
    )
    other = webchat_received(
        APP, session("visitor-9999"), WebchatMessage(text="a", client_message_id="x"), at
    )
    assert first.external_message_id == retry.external_message_id
    assert first.external_message_id != other.external_message_id


# --- frames the person sends ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("{oops", "invalid_json", "frames are JSON objects"),
        ("[1, 2]", "unknown_frame", "send {type: 'message', ...}"),
        ('"message"', "unknown_frame", "send {type: 'message', ...}"),
        ('{"type": "typing"}', "unknown_frame", "send {type: 'message', ...}"),
        ('{"text": "no type", "client_message_id": "c"}', "unknown_frame", "send {type: 'message', ...}"),
        ('{"type": "message", "text": "no id"}', "validation_failed", "Field required"),
        (
            '{"type": "message", "text": "", "client_message_id": "e"}',
            "validation_failed",
            "Value error, a message needs text or at least one attachment",
        ),
        (
            '{"type": "message", "text": "hi", "client_message_id": "z", "admin": true}',
            "validation_failed",
            "Extra inputs are not permitted",
        ),
    ],
)
def test_a_frame_that_is_not_a_message_is_answered_with_an_error(text: str, code: str, message: str) -> None:
    parsed = parse_frame(text)
    assert isinstance(parsed, ErrorFrame)
    assert parsed.model_dump(mode="json") == {"type": "error", "error": {"code": code, "message": message}}


def test_a_message_frame_is_read_without_its_type() -> None:
    parsed = parse_frame('{"type": "message", "text": "hi", "client_message_id": "c-1"}')
    assert parsed == WebchatMessage(text="hi", client_message_id="c-1")


def test_broker_unavailable_frame_names_the_message() -> None:
    assert broker_unavailable_frame("c-9").model_dump(mode="json") == {
        "type": "error",
        "client_message_id": "c-9",
        "error": {"code": "broker_unavailable", "message": "retry later"},
    }


def test_rate_limited_frame_says_when_to_retry() -> None:
    assert rate_limited_frame("c-3", "too many messages", 17).model_dump(mode="json") == {
        "type": "error",
        "client_message_id": "c-3",
        "error": {"code": "rate_limited", "message": "too many messages", "retry_after": 17},
    }


# --- reading socket frames: nothing a frame holds raises --------------------------------------


def test_a_binary_frame_is_answered_not_read() -> None:
    parsed = read_frame(None, 1024)
    assert isinstance(parsed, ErrorFrame) and parsed.error.code == "binary_not_supported"


def test_a_frame_over_the_size_limit_is_refused_before_parsing() -> None:
    assert read_frame(GOOD, len(GOOD)) == WebchatMessage(text="hi", client_message_id="c-1")
    too_long = read_frame(GOOD, len(GOOD) - 1)
    assert isinstance(too_long, ErrorFrame) and too_long.error.model_dump() == {
        "code": "frame_too_large",
        "message": f"a frame is at most {len(GOOD) - 1} bytes",
    }
    # the limit is in bytes: 300 "é" are 600 bytes of UTF-8
    wide = json.dumps({"type": "message", "text": "é" * 300, "client_message_id": "w"}, ensure_ascii=False)
    assert isinstance(read_frame(wide, len(wide) + 100), ErrorFrame)
    assert isinstance(read_frame(wide, len(wide.encode()) + 1), WebchatMessage)


@pytest.mark.parametrize(
    "text",
    ["[" * 20_000, "{" * 20_000, '{"a":' * 20_000, "[" * 10_000 + "]" * 10_000, "[" * 17 + "]" * 17],
)
def test_deeply_nested_json_is_invalid_json(text: str) -> None:
    parsed = read_frame(text, 1_000_000)
    assert isinstance(parsed, ErrorFrame) and parsed.model_dump(mode="json") == {
        "type": "error",
        "error": {"code": "invalid_json", "message": "frames are JSON objects nested at most 16 levels"},
    }


def test_nesting_is_counted_outside_strings_only() -> None:
    assert not nests_deeper_than("[" * 16 + "]" * 16, 16)
    assert nests_deeper_than("[" * 17 + "]" * 17, 16)
    assert not nests_deeper_than('["' + "[" * 100 + '"]', 16)
    # an escaped backslash ends before the quote that closes the string; an escaped quote does not
    assert not nests_deeper_than(r'["\\", "\"' + "[" * 20 + '"]', 16)
    assert nests_deeper_than(r'["\\"' + ", [0" * 17 + "]" * 18, 16)
    assert not nests_deeper_than("[]" * 1000, 16)
    # brackets in a message's text do not make it deep
    text = json.dumps({"type": "message", "text": "[{" * 500, "client_message_id": "b"})
    assert parse_frame(text) == WebchatMessage(text="[{" * 500, client_message_id="b")


def test_a_recursion_error_of_the_parser_is_invalid_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "MAX_FRAME_DEPTH", 10**9)  # let the parser meet the depth itself
    parsed = parse_frame("[" * 200_000)
    assert isinstance(parsed, ErrorFrame) and parsed.model_dump(mode="json") == {
        "type": "error",
        "error": {"code": "invalid_json", "message": "frames are JSON objects"},
    }


def test_huge_numbers_in_a_frame_are_refused_cleanly() -> None:
    for text in ('{"type": "message", "text": 1' + "0" * 5000 + "}", "1" * 5000):
        parsed = parse_frame(text)
        assert isinstance(parsed, ErrorFrame) and parsed.error.code == "invalid_json"
    size = parse_frame(
        json.dumps(
            {
                "type": "message",
                "client_message_id": "a",
                "attachments": [{"url": "https://f.example/a", "content_type": "image/png", "size": 2**63}],
            }
        )
    )
    assert isinstance(size, ErrorFrame) and size.error.code == "validation_failed"


# --- proving a visitor ------------------------------------------------------------------------


def test_visitor_hash_is_hex_hmac_sha256_of_the_visitor_id() -> None:
    # RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?"
    assert visitor_hash("Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def _proof(visitor_id: str, **fields: Any) -> WebchatSession:
    return session(visitor_id, **fields)


@pytest.mark.parametrize(
    ("proof", "given_hash", "app", "proven"),
    [
        (_proof("visitor-1234"), None, APP, True),
        (_proof("visitor-9999"), None, APP, False),
        (_proof("visitor-1234", app_id="app-2"), None, APP, False),
        (None, visitor_hash("s3cret-of-app-1", "visitor-1234"), APP, True),
        (None, visitor_hash("s3cret-of-app-1", "visitor-1234").upper(), APP, True),
        (None, visitor_hash("another-secret", "visitor-1234"), APP, False),
        (None, visitor_hash("s3cret-of-app-1", "visitor-9999"), APP, False),
        (None, "0" * 64, APP, False),
        (None, None, APP, False),
        (_proof("visitor-9999"), visitor_hash("s3cret-of-app-1", "visitor-1234"), APP, True),
        (None, visitor_hash("", "visitor-1234"), APP.model_copy(update={"identity_secret": None}), False),
        (None, visitor_hash("", "visitor-1234"), APP.model_copy(update={"identity_secret": ""}), False),
    ],
)
def test_a_visitor_is_proven_by_their_own_session_or_the_apps_signature(
    proof: WebchatSession | None, given_hash: str | None, app: App, proven: bool
) -> None:
    assert visitor_proven(app, "visitor-1234", proof, given_hash) is proven


def test_a_visitor_hash_needs_its_visitor_id_and_hex_shape() -> None:
    good = visitor_hash("k", "visitor-1234")
    assert SessionCreate(visitor_id="visitor-1234", visitor_hash=good).visitor_hash == good
    for fields in ({"visitor_hash": good}, {"visitor_id": "visitor-1234", "visitor_hash": "xyz"}):
        with pytest.raises(ValueError):
            SessionCreate.model_validate(fields)


# --- socket cursors and session time ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "after"),
    [
        (None, 0),
        ("0", 0),
        ("42", 42),
        (str(2**53 - 1), 2**53 - 1),
        (str(2**53), None),
        ("99999999999999999999", None),
        ("9" * 5000, None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.5", None),
        ("1e3", None),
        ("", None),
        ("abc", None),
        ("\u0661", None),  # an Arabic-Indic digit one: int() would read it
    ],
)
def test_the_socket_cursor_is_an_integer_from_0_to_2_53_minus_1(raw: str | None, after: int | None) -> None:
    assert parse_after(raw) == after


def test_seconds_left_of_a_session() -> None:
    now = datetime(2025, 3, 14, tzinfo=UTC)
    assert seconds_left(session("v", expires_at=now + timedelta(seconds=90)), now) == 90
    assert seconds_left(session("v", expires_at=now - timedelta(seconds=5)), now) == 0
