"""Pure rules of the channel edge: app credentials, webchat sessions and message normalisation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from ingest.domain import (
    REQUIRED_CREDENTIALS,
    VISITOR_ID,
    AppCreate,
    SessionCreate,
    WebchatMessage,
    digest,
    new_secret,
    new_visitor_id,
    public_app,
    webchat_received,
)
from livechat_shared.events import Envelope, MessageReceivedV1
from pydantic import ValidationError

CREDENTIALS: dict[str, dict[str, str]] = {
    "webchat": {},
    "api": {},
    "whatsapp": {
        "app_secret": "wa-app-secret-91f2",
        "verify_token": "wa-verify-77c1",
        "access_token": "EAAG-access-token-0042",
        "phone_number_id": "109876543210987",
    },
    "messenger": {
        "app_secret": "fb-app-secret-5d3a",
        "verify_token": "fb-verify-e8b0",
        "page_access_token": "EAAB-page-token-7731",
    },
    "telegram": {"bot_token": "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "secret_token": "tg-secret-4c2d"},
}


def app_create(channel: str, credentials: dict[str, str] | None = None, **changes: Any) -> AppCreate:
    values: dict[str, Any] = {
        "teamspace_id": "ts-1",
        "channel": channel,
        "name": f"Acme {channel}",
        "credentials": CREDENTIALS[channel] if credentials is None else credentials,
    }
    values.update(changes)
    return AppCreate(**values)


# --- apps -------------------------------------------------------------------------------------


def test_every_channel_has_a_credential_rule() -> None:
    assert set(REQUIRED_CREDENTIALS) == set(CREDENTIALS)


@pytest.mark.parametrize("channel", sorted(CREDENTIALS))
def test_app_with_the_credentials_of_its_channel(channel: str) -> None:
    app = app_create(channel)
    assert app.channel == channel
    assert app.credentials == CREDENTIALS[channel]
    assert app.team_ids == []


@pytest.mark.parametrize("channel", ["webchat", "api"])
def test_webchat_and_api_need_no_credentials(channel: str) -> None:
    app = AppCreate(teamspace_id="ts-1", channel=channel, name="Site")
    assert app.credentials == {}


@pytest.mark.parametrize(
    ("channel", "key"), [(c, k) for c, keys in REQUIRED_CREDENTIALS.items() for k in keys]
)
def test_missing_credential_is_named(channel: str, key: str) -> None:
    credentials = {k: v for k, v in CREDENTIALS[channel].items() if k != key}
    with pytest.raises(ValidationError) as info:
        app_create(channel, credentials)
    message = str(info.value)
    assert f"{channel} credentials need: {key}" in message
    # only the missing key is named
    for other in credentials:
        assert other not in message


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "telegram"])
def test_empty_credential_counts_as_missing(channel: str) -> None:
    key = REQUIRED_CREDENTIALS[channel][0]
    with pytest.raises(ValidationError, match=f"need: {key}"):
        app_create(channel, {**CREDENTIALS[channel], key: ""})


def test_all_missing_credentials_are_named() -> None:
    with pytest.raises(ValidationError, match="whatsapp credentials need: app_secret, verify_token"):
        app_create("whatsapp", {})


@pytest.mark.parametrize("channel", sorted(CREDENTIALS))
def test_unknown_credential_is_refused(channel: str) -> None:
    with pytest.raises(ValidationError, match=f"unknown credentials for {channel}: zz_extra"):
        app_create(channel, {**CREDENTIALS[channel], "zz_extra": "x"})


def test_credentials_of_another_channel_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown credentials for telegram"):
        app_create("telegram", {**CREDENTIALS["telegram"], "page_access_token": "x"})


def test_app_refuses_unknown_channel_and_fields() -> None:
    with pytest.raises(ValidationError):
        AppCreate(teamspace_id="ts-1", channel="sms", name="SMS")
    with pytest.raises(ValidationError):
        AppCreate(teamspace_id="ts-1", channel="webchat", name="Site", api_key="k")
    with pytest.raises(ValidationError):
        AppCreate(teamspace_id="ts-1", channel="webchat", name="")
    with pytest.raises(ValidationError):
        AppCreate(teamspace_id="", channel="webchat", name="Site")
    with pytest.raises(ValidationError):
        AppCreate(teamspace_id="ts-1", channel="webchat", name="Site", team_ids=["t"] * 51)


# --- sessions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("visitor_id", ["abcdefgh", "A1_b2-C3", "x" * 64, "v-0123456789_abcdefABCDEF"])
def test_visitor_id_that_fits(visitor_id: str) -> None:
    assert SessionCreate(visitor_id=visitor_id).visitor_id == visitor_id


@pytest.mark.parametrize(
    "visitor_id",
    [
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
    ],
)
def test_visitor_id_that_does_not_fit(visitor_id: str) -> None:
    with pytest.raises(ValidationError, match="visitor_id must be 8-64 characters"):
        SessionCreate(visitor_id=visitor_id)


def test_visitor_id_with_a_trailing_newline_is_refused() -> None:
    """``$`` also matches before a final newline, so the pattern alone lets "abcdefgh\\n" through."""
    with pytest.raises(ValidationError, match="visitor_id must be 8-64 characters"):
        SessionCreate(visitor_id="abcdefgh\n")


def test_session_without_visitor_id() -> None:
    session = SessionCreate()
    assert session.visitor_id is None
    assert SessionCreate(name="Ana", language="pt-BR").language == "pt-BR"


def test_session_refuses_unknown_fields_and_long_names() -> None:
    with pytest.raises(ValidationError):
        SessionCreate(visitor_id="abcdefgh", email="a@b.example")
    with pytest.raises(ValidationError):
        SessionCreate(name="x" * 201)


def test_new_visitor_ids_fit_the_pattern_and_differ() -> None:
    ids = {new_visitor_id() for _ in range(200)}
    assert len(ids) == 200
    for visitor_id in ids:
        assert VISITOR_ID.fullmatch(visitor_id)
        assert SessionCreate(visitor_id=visitor_id).visitor_id == visitor_id


# --- webchat messages -------------------------------------------------------------------------


def test_webchat_message_with_text() -> None:
    message = WebchatMessage(text="Is my order shipped?", client_message_id="m-1")
    assert message.attachments == []


def test_webchat_message_with_only_an_attachment() -> None:
    message = WebchatMessage(
        attachments=[{"url": "https://files.example/a.png", "content_type": "image/png", "size": 10}],
        client_message_id="m-2",
    )
    assert message.attachments[0].size == 10


@pytest.mark.parametrize("text", ["", " ", "\n\t "])
def test_empty_webchat_message_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="needs text or at least one attachment"):
        WebchatMessage(text=text, client_message_id="m-3")


def test_too_long_webchat_message_is_refused() -> None:
    WebchatMessage(text="x" * 4096, client_message_id="m-4")
    with pytest.raises(ValidationError) as info:
        WebchatMessage(text="x" * 4097, client_message_id="m-4")
    assert info.value.errors()[0]["loc"] == ("text",)


def test_too_many_attachments_are_refused() -> None:
    attachment = {"url": "https://files.example/a.png", "content_type": "image/png"}
    with pytest.raises(ValidationError):
        WebchatMessage(attachments=[attachment] * 11, client_message_id="m-5")
    with pytest.raises(ValidationError):
        WebchatMessage(
            attachments=[{"url": "https://files.example/a.png", "content_type": "image/png", "size": -1}],
            client_message_id="m-5",
        )


def test_webchat_message_needs_a_client_message_id() -> None:
    with pytest.raises(ValidationError) as info:
        WebchatMessage(text="hi")
    assert info.value.errors()[0]["loc"] == ("client_message_id",)
    with pytest.raises(ValidationError):
        WebchatMessage(text="hi", client_message_id="")
    with pytest.raises(ValidationError):
        WebchatMessage(text="hi", client_message_id="x" * 101)


def test_webchat_message_refuses_extra_fields() -> None:
    with pytest.raises(ValidationError) as info:
        WebchatMessage(text="hi", client_message_id="m-6", author="agent")
    assert info.value.errors()[0]["type"] == "extra_forbidden"


# --- normalisation ----------------------------------------------------------------------------

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


def test_webchat_received_maps_the_message() -> None:
    session = {"visitor_id": "visitor-1234", "name": "Ana", "language": "pt"}
    message = WebchatMessage(
        text="Olá!",
        attachments=[{"url": "https://files.example/a.png", "content_type": "image/png"}],
        client_message_id="cm-9",
    )
    at = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

    event = webchat_received(APP_DOC, session, message, at)

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
    envelope = Envelope.wrap(event, workspace_id=APP_DOC["workspace_id"])
    assert envelope.open(MessageReceivedV1) == event


def test_webchat_received_for_an_anonymous_visitor_and_an_app_without_teams() -> None:
    app = {k: v for k, v in APP_DOC.items() if k != "team_ids"}
    event = webchat_received(
        app,
        {"visitor_id": "anon-5678"},
        WebchatMessage(text="hi", client_message_id="1"),
        datetime(2025, 3, 14, tzinfo=UTC),
    )
    assert event.team_ids == []
    assert event.person.name is None and event.person.language is None
    assert event.external_message_id == "anon-5678:1"


def test_the_same_client_message_id_maps_to_the_same_external_id() -> None:
    session = {"visitor_id": "visitor-1234"}
    at = datetime(2025, 3, 14, tzinfo=UTC)
    first = webchat_received(APP_DOC, session, WebchatMessage(text="a", client_message_id="x"), at)
    retry = webchat_received(APP_DOC, session, WebchatMessage(text="a", client_message_id="x"), at)
    other = webchat_received(
        APP_DOC, {"visitor_id": "visitor-9999"}, WebchatMessage(text="a", client_message_id="x"), at
    )
    assert first.external_message_id == retry.external_message_id
    assert first.external_message_id != other.external_message_id


# --- what leaves the service ------------------------------------------------------------------


def test_public_app_never_shows_secrets() -> None:
    doc = {
        **APP_DOC,
        "channel": "whatsapp",
        "credentials": CREDENTIALS["whatsapp"],
        "api_key_hash": digest("lc_live_secret_api_key"),
    }
    shown = public_app(doc)

    assert shown == {
        "id": "app-1",
        "workspace_id": "ws-1",
        "teamspace_id": "ts-1",
        "team_ids": ["t-1", "t-2"],
        "channel": "whatsapp",
        "name": "Acme Site",
        "credentials": sorted(CREDENTIALS["whatsapp"]),
        "created_at": APP_DOC["created_at"],
    }
    text = json.dumps(shown, default=str)
    for secret in [*CREDENTIALS["whatsapp"].values(), doc["api_key_hash"], "lc_live_secret_api_key"]:
        assert secret not in text
    assert "api_key_hash" not in text


def test_public_app_without_credentials_or_teams() -> None:
    doc = {k: v for k, v in APP_DOC.items() if k not in ("credentials", "team_ids")}
    shown = public_app(doc)
    assert shown["credentials"] == []
    assert shown["team_ids"] == []


def test_digest_is_stable_and_hides_the_input() -> None:
    secret = new_secret()
    assert digest(secret) == digest(secret)
    assert digest(secret) != secret
    assert secret not in digest(secret)
    assert len(digest(secret)) == 64
    int(digest(secret), 16)  # hex
    assert digest(secret) != digest(secret + "x")
    assert digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha-256


def test_new_secrets_are_long_and_distinct() -> None:
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(s) >= 43 for s in secrets)
