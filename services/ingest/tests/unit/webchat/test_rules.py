"""Pure rules of webchat: visitor ids, what a person's message becomes, reading socket frames."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ingest.core.models import App, WebchatSession
from ingest.webchat.rules import broker_unavailable_frame, new_visitor_id, parse_frame, webchat_received
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
    "created_at": datetime(2025, 1, 2, tzinfo=UTC),
}
APP = App.from_doc(APP_DOC)


def session(visitor_id: str, **fields: Any) -> WebchatSession:
    at = datetime(2025, 3, 14, tzinfo=UTC)
    return WebchatSession(
        id="digest",
        app_id="app-1",
        workspace_id="ws-1",
        visitor_id=visitor_id,
        created_at=at,
        expires_at=at,
        **fields,
    )


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
