"""Settings every service shares, read from ``LIVECHAT_*`` environment variables.

Nothing is created at import time: each entry point builds its settings object and hands it to
``create_app(settings)``. Secrets have a development default only; outside ``env=development`` the validator
refuses to start with it (tests set their own secret).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "development-only-secret-change-me-0123456789"
DEV_OPERATOR_KEY = "development-only-operator-key-change-me-0123456789"


def weak_secret_reason(secret: str) -> str | None:
    """Why ``secret`` is too weak to sign tokens or guard operator calls, or ``None``.

    At least 32 characters, at least 10 different ones, and about 128 bits if its characters were
    drawn at random from the classes it uses (lower case, upper case, digits, others): a
    ``secrets.token_urlsafe(32)`` gives about 190, ``secrets.token_hex(16)`` about 165."""
    if len(secret) < 32:
        return "must be at least 32 characters"
    classes = (str.islower, str.isupper, str.isdigit)
    pool = sum(size for test, size in zip(classes, (26, 26, 10), strict=True) if any(test(c) for c in secret))
    pool += 33 if any(not any(test(c) for test in classes) for c in secret) else 0
    if len(set(secret)) < 10 or len(secret) * math.log2(max(pool, 2)) < 128:
        return "is trivially weak (too few different characters); use e.g. `openssl rand -base64 48`"
    return None


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVECHAT_", extra="ignore")

    service_name: str = "livechat"
    env: Literal["development", "test", "production"] = "development"

    host: str = "127.0.0.1"
    port: int = 8080

    amqp_url: str = "amqp://guest:guest@localhost:5672/"
    exchange: str = "livechat.events"
    """The one durable topic exchange for domain events; its dead-letter exchange is ``<exchange>.dlx``."""
    queue_prefix: str = ""
    """Prepended to every durable queue name; lets several suites (or test runs) share a broker."""
    delivery_limit: int = Field(default=5, ge=1)
    """Deliveries of one message before a quorum queue dead-letters it."""
    prefetch: int = Field(default=16, ge=1)

    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_db: str = ""
    """Database name; empty means ``<mongodb_db_prefix>_<service_name>``."""
    mongodb_db_prefix: str = "livechat"

    jwt_secret: str = DEV_JWT_SECRET
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None

    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    otlp_endpoint: str | None = None
    tracing: bool = False
    """Record OpenTelemetry spans (HTTP, bus, outbox) even without ``otlp_endpoint``; with one, they are
    always recorded and exported. Off by default: a span per request and per bus message costs CPU
    that nothing reads."""

    @property
    def tracing_enabled(self) -> bool:
        return self.tracing or bool(self.otlp_endpoint)

    operator_key: str = DEV_OPERATOR_KEY
    """Guards the operator's calls (creating a workspace, looking a user up for the CLI); empty
    disables them. Sent as the ``X-Operator-Key`` header."""

    rate_auth_failures_per_minute: int = Field(default=60, ge=0)
    """Refused bearer tokens per client address and minute before further attempts get 429 (0: no limit)."""

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    partition_heartbeat_seconds: float = Field(default=2.0, gt=0)
    """How often a replica renews its heartbeat and rebalances the partitions it consumes."""
    partition_member_ttl_seconds: float = Field(default=6.0, gt=0)
    """How long a replica's heartbeat counts: a replica silent that long loses its partitions."""
    partitions: int = Field(default=0, ge=0, le=64)
    """Every partitioned queue with this many partitions instead of its own number (0: each its
    own): fewer quorum queues for a small installation or a test run. Every service of one
    installation must have the same value (publishers pick the partition, consumers declare them)."""

    @property
    def database_name(self) -> str:
        return self.mongodb_db or f"{self.mongodb_db_prefix}_{self.service_name}"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.exchange}.dlx"

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> ServiceSettings:
        if self.env == "development":
            return self
        if self.jwt_jwks_url is None:
            if self.jwt_secret == DEV_JWT_SECRET:
                raise ValueError(
                    "LIVECHAT_JWT_SECRET must be set outside development (or LIVECHAT_JWT_JWKS_URL)"
                )
            if reason := weak_secret_reason(self.jwt_secret):
                raise ValueError(f"LIVECHAT_JWT_SECRET {reason}")
        if self.operator_key == DEV_OPERATOR_KEY:
            raise ValueError(
                "LIVECHAT_OPERATOR_KEY must be set outside development (or set empty to disable)"
            )
        if self.operator_key and (reason := weak_secret_reason(self.operator_key)):
            raise ValueError(f"LIVECHAT_OPERATOR_KEY {reason}")
        return self
