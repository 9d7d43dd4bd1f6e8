"""Settings every service shares, read from ``LIVECHAT_*`` environment variables.

Nothing is created at import time: each entry point builds its settings object and hands it to
``create_app(settings)``. Secrets have a development default only; outside ``env=development`` the validator
refuses to start with it (tests set their own secret).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "development-only-secret-change-me-0123456789"


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

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    outbox_poll_seconds: float = Field(default=0.5, gt=0)

    @property
    def database_name(self) -> str:
        return self.mongodb_db or f"{self.mongodb_db_prefix}_{self.service_name}"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.exchange}.dlx"

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> ServiceSettings:
        if self.env != "development" and self.jwt_jwks_url is None:
            if self.jwt_secret == DEV_JWT_SECRET:
                raise ValueError(
                    "LIVECHAT_JWT_SECRET must be set outside development (or LIVECHAT_JWT_JWKS_URL)"
                )
            if len(self.jwt_secret) < 32:
                raise ValueError("LIVECHAT_JWT_SECRET must be at least 32 characters")
        return self
