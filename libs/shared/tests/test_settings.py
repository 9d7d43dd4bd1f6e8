"""Shared service settings: defaults, ``LIVECHAT_*`` variables and the refusal of unsafe secrets."""

from __future__ import annotations

import pytest
from livechat_dev.testing import settings_from
from livechat_shared.settings import DEV_JWT_SECRET, ServiceSettings, weak_secret_reason
from pydantic import ValidationError

STRONG_SECRET = "k7Qm2vX9pL4sT8wZ1bN6cR3fH5jD0gYe"  # 32 characters
OPERATOR_KEY = "Zr8Tq3Lm6Wv1Np4Ks9Xc2Bh7Gd5Fj0Ay"


def test_defaults() -> None:
    settings = ServiceSettings()
    assert settings.env == "development"
    assert settings.service_name == "livechat"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.exchange == "livechat.events"
    assert settings.dead_letter_exchange == "livechat.events.dlx"
    assert settings.queue_prefix == ""
    assert settings.delivery_limit == 5
    assert settings.prefetch == 16
    assert settings.mongodb_db == ""
    assert settings.database_name == "livechat_livechat"
    assert settings.jwt_secret == DEV_JWT_SECRET
    assert settings.jwt_jwks_url is None
    assert settings.jwt_issuer is None and settings.jwt_audience is None
    assert settings.log_format == "json"
    assert settings.max_body_bytes == 64 * 1024
    assert settings.outbox_poll_seconds == 0.5


def test_development_secret_is_long_enough_for_hs256() -> None:
    assert len(DEV_JWT_SECRET) >= 32


@pytest.mark.parametrize("env", ["production", "test"])
def test_outside_development_the_development_secret_is_refused(env: str) -> None:
    with pytest.raises(ValidationError, match="LIVECHAT_JWT_SECRET must be set"):
        ServiceSettings(env=env)
    with pytest.raises(ValidationError, match="LIVECHAT_JWT_SECRET must be set"):
        ServiceSettings(env=env, jwt_secret=DEV_JWT_SECRET)


@pytest.mark.parametrize("env", ["production", "test"])
@pytest.mark.parametrize("secret", ["", "short", STRONG_SECRET[:31]])
def test_outside_development_a_short_secret_is_refused(env: str, secret: str) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        ServiceSettings(env=env, jwt_secret=secret)


@pytest.mark.parametrize("secret", [STRONG_SECRET, STRONG_SECRET * 3])
def test_production_accepts_a_long_secret(secret: str) -> None:
    settings = ServiceSettings(env="production", jwt_secret=secret, operator_key=OPERATOR_KEY)
    assert settings.env == "production"
    assert settings.jwt_secret == secret


def test_production_with_an_identity_provider_needs_no_secret() -> None:
    settings = ServiceSettings(
        env="production", jwt_jwks_url="https://id.acme.example/.well-known/jwks.json", operator_key=""
    )
    assert settings.jwt_jwks_url == "https://id.acme.example/.well-known/jwks.json"
    assert settings.jwt_secret == DEV_JWT_SECRET  # unused: tokens are verified against the JWKS


@pytest.mark.parametrize(
    "secret",
    ["a" * 32, "ab" * 32, "abcd" * 16, "0123456789" * 3 + "01", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"],
)
def test_outside_development_a_trivially_weak_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="trivially weak"):
        ServiceSettings(env="production", jwt_secret=secret, operator_key=OPERATOR_KEY)
    with pytest.raises(ValidationError, match="LIVECHAT_OPERATOR_KEY is trivially weak"):
        ServiceSettings(env="production", jwt_secret=STRONG_SECRET, operator_key=secret)


def test_the_operator_key_may_be_left_empty_to_disable_operator_calls() -> None:
    assert ServiceSettings(env="production", jwt_secret=STRONG_SECRET, operator_key="").operator_key == ""


def test_weak_secret_reason_accepts_generated_secrets() -> None:
    import secrets

    assert all(weak_secret_reason(secrets.token_urlsafe(32)) is None for _ in range(50))
    assert weak_secret_reason(secrets.token_hex(16)) is None  # 32 hex characters: 128 bits


def test_development_accepts_any_secret() -> None:
    assert ServiceSettings(env="development", jwt_secret="short").jwt_secret == "short"


def test_production_refusal_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECHAT_ENV", "production")
    with pytest.raises(ValidationError):
        ServiceSettings()
    monkeypatch.setenv("LIVECHAT_JWT_SECRET", STRONG_SECRET)
    with pytest.raises(ValidationError, match="LIVECHAT_OPERATOR_KEY must be set"):
        ServiceSettings()
    monkeypatch.setenv("LIVECHAT_OPERATOR_KEY", OPERATOR_KEY)
    assert ServiceSettings().jwt_secret == STRONG_SECRET


def test_database_name_from_prefix_and_service() -> None:
    assert ServiceSettings(service_name="inbox").database_name == "livechat_inbox"
    assert ServiceSettings(service_name="inbox", mongodb_db_prefix="test_01abc").database_name == (
        "test_01abc_inbox"
    )


def test_database_name_override_wins() -> None:
    settings = ServiceSettings(service_name="inbox", mongodb_db_prefix="ignored", mongodb_db="chats")
    assert settings.database_name == "chats"


def test_environment_variables_with_the_prefix_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECHAT_SERVICE_NAME", "ingest")
    monkeypatch.setenv("LIVECHAT_PORT", "9001")
    monkeypatch.setenv("LIVECHAT_EXCHANGE", "acme.events")
    monkeypatch.setenv("LIVECHAT_QUEUE_PREFIX", "run42.")
    monkeypatch.setenv("LIVECHAT_MONGODB_DB_PREFIX", "acme")
    monkeypatch.setenv("LIVECHAT_DELIVERY_LIMIT", "3")
    monkeypatch.setenv("LIVECHAT_JWT_AUDIENCE", "livechat-api")
    monkeypatch.setenv("LIVECHAT_LOG_FORMAT", "console")
    monkeypatch.setenv("livechat_prefetch", "4")  # names are case-insensitive

    settings = ServiceSettings()
    assert settings.service_name == "ingest"
    assert settings.port == 9001
    assert settings.exchange == "acme.events"
    assert settings.dead_letter_exchange == "acme.events.dlx"
    assert settings.queue_prefix == "run42."
    assert settings.database_name == "acme_ingest"
    assert settings.delivery_limit == 3
    assert settings.jwt_audience == "livechat-api"
    assert settings.log_format == "console"
    assert settings.prefetch == 4


def test_variables_without_the_prefix_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9999")
    monkeypatch.setenv("SERVICE_NAME", "nope")
    monkeypatch.setenv("ENV", "production")
    settings = ServiceSettings()
    assert settings.port == 8080
    assert settings.service_name == "livechat"
    assert settings.env == "development"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECHAT_SERVICE_NAME", "ingest")
    assert ServiceSettings(service_name="inbox").service_name == "inbox"


def test_unknown_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECHAT_SOMETHING_ELSE", "x")
    assert ServiceSettings().env == "development"
    assert ServiceSettings(something_else="x").env == "development"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LIVECHAT_ENV", "staging"),
        ("LIVECHAT_PORT", "http"),
        ("LIVECHAT_DELIVERY_LIMIT", "0"),
        ("LIVECHAT_PREFETCH", "0"),
        ("LIVECHAT_MAX_BODY_BYTES", "100"),
        ("LIVECHAT_OUTBOX_POLL_SECONDS", "0"),
        ("LIVECHAT_LOG_FORMAT", "xml"),
    ],
)
def test_invalid_variables_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        ServiceSettings()


def test_settings_from_a_dict_of_variables() -> None:
    settings = settings_from(
        ServiceSettings,
        {"LIVECHAT_SERVICE_NAME": "export", "LIVECHAT_MONGODB_DB_PREFIX": "t1"},
        queue_prefix="p.",
    )
    assert settings.database_name == "t1_export"
    assert settings.queue_prefix == "p."
