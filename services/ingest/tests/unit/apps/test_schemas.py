"""The channel app request (one table of what it accepts, one of what it refuses) and its views."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from ingest.apps.schemas import AppCreate, AppCreated, AppOut
from ingest.core.channels import REQUIRED_CREDENTIALS
from ingest.core.models import App
from ingest.core.tokens import digest
from livechat_shared.contracts import Channel
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
WITH_SECRETS: list[Channel] = ["whatsapp", "messenger", "telegram"]


def app_values(channel: str, credentials: dict[str, str] | None = None, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "teamspace_id": "ts-1",
        "channel": channel,
        "name": f"Acme {channel}",
        "credentials": CREDENTIALS[channel] if credentials is None else credentials,
    }
    return {**values, **changes}


def without(channel: str, key: str) -> dict[str, str]:
    return {k: v for k, v in CREDENTIALS[channel].items() if k != key}


def test_every_channel_has_a_credential_rule() -> None:
    assert set(REQUIRED_CREDENTIALS) == set(CREDENTIALS)


ACCEPTED = [
    *[pytest.param(app_values(c), id=f"{c}-with-its-credentials") for c in sorted(CREDENTIALS)],
    *[
        pytest.param({"teamspace_id": "ts-1", "channel": c, "name": "Site"}, id=f"{c}-needs-no-credentials")
        for c in ("webchat", "api")
    ],
]


@pytest.mark.parametrize("values", ACCEPTED)
def test_app_create_accepts(values: dict[str, Any]) -> None:
    app = AppCreate(**values)
    assert app.channel == values["channel"]
    assert app.credentials == values.get("credentials", {})
    assert app.team_ids == []


# (values, the error message must contain, names the message must not contain)
REFUSED: list[Any] = [
    *[
        pytest.param(
            app_values(c, without(c, k)), f"{c} credentials need: {k}", tuple(without(c, k)), id=f"{c}-no-{k}"
        )
        for c, keys in REQUIRED_CREDENTIALS.items()
        for k in keys
    ],
    *[
        pytest.param(
            app_values(c, {**CREDENTIALS[c], REQUIRED_CREDENTIALS[c][0]: ""}),
            f"need: {REQUIRED_CREDENTIALS[c][0]}",
            (),
            id=f"{c}-empty-credential-counts-as-missing",
        )
        for c in WITH_SECRETS
    ],
    pytest.param(
        app_values("whatsapp", {}),
        "whatsapp credentials need: app_secret, verify_token",
        (),
        id="all-missing-credentials-are-named",
    ),
    *[
        pytest.param(
            app_values(c, {**CREDENTIALS[c], "zz_extra": "x"}),
            f"unknown credentials for {c}: zz_extra",
            (),
            id=f"{c}-unknown-credential",
        )
        for c in sorted(CREDENTIALS)
    ],
    pytest.param(
        app_values("telegram", {**CREDENTIALS["telegram"], "page_access_token": "x"}),
        "unknown credentials for telegram",
        (),
        id="credentials-of-another-channel",
    ),
    pytest.param({"teamspace_id": "ts-1", "channel": "sms", "name": "SMS"}, None, (), id="unknown-channel"),
    pytest.param(
        {"teamspace_id": "ts-1", "channel": "webchat", "name": "Site", "api_key": "k"},
        None,
        (),
        id="extra-field",
    ),
    pytest.param({"teamspace_id": "ts-1", "channel": "webchat", "name": ""}, None, (), id="empty-name"),
    pytest.param({"teamspace_id": "", "channel": "webchat", "name": "Site"}, None, (), id="empty-teamspace"),
    pytest.param(
        {"teamspace_id": "ts-1", "channel": "webchat", "name": "Site", "team_ids": ["t"] * 51},
        None,
        (),
        id="51-teams",
    ),
]


@pytest.mark.parametrize(("values", "message", "not_named"), REFUSED)
def test_app_create_refuses(values: dict[str, Any], message: str | None, not_named: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError, match=re.escape(message) if message else None) as info:
        AppCreate(**values)
    for name in not_named:  # only what is wrong is named
        assert name not in str(info.value)


# --- what leaves the service ------------------------------------------------------------------

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


def test_app_out_never_shows_secrets() -> None:
    doc = {
        **APP_DOC,
        "channel": "whatsapp",
        "credentials": CREDENTIALS["whatsapp"],
        "api_key_hash": digest("lc_live_secret_api_key"),
        "identity_secret": "identity-secret-never-shown",
    }
    shown = AppOut.of(App.from_doc(doc)).model_dump()

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
    secrets = [*CREDENTIALS["whatsapp"].values(), doc["api_key_hash"], "lc_live_secret_api_key"]
    for secret in [*secrets, "identity-secret-never-shown"]:
        assert secret not in text
    assert "api_key_hash" not in text and "identity_secret" not in text


def test_app_out_without_credentials_or_teams() -> None:
    doc = {k: v for k, v in APP_DOC.items() if k not in ("credentials", "team_ids")}
    shown = AppOut.of(App.from_doc(doc))
    assert shown.credentials == []
    assert shown.team_ids == []


def test_app_out_keeps_the_field_order_of_the_api() -> None:
    assert list(AppOut.model_fields) == [
        "id",
        "workspace_id",
        "teamspace_id",
        "team_ids",
        "channel",
        "name",
        "credentials",
        "created_at",
    ]
    assert list(AppCreated.model_fields)[-2:] == ["api_key", "identity_secret"]


def test_an_app_is_stored_without_an_api_key_hash_unless_it_has_one() -> None:
    """The partial unique index covers string hashes only; other apps do not carry the field."""
    assert "api_key_hash" not in App.from_doc(APP_DOC).to_doc()
    assert App.from_doc({**APP_DOC, "api_key_hash": "h"}).to_doc()["api_key_hash"] == "h"
    assert App.from_doc(APP_DOC).to_doc()["_id"] == "app-1"
    assert "identity_secret" not in App.from_doc(APP_DOC).to_doc()
