"""Settings of the assignment service (`LIVECHAT_*` environment variables)."""

from __future__ import annotations

from livechat_shared.settings import ServiceSettings
from pydantic import model_validator


class Settings(ServiceSettings):
    service_name: str = "assignment"
    port: int = 8083
    assignment_sweep_seconds: float = 1.0
    """How often each replica republishes unconfirmed decisions, requeues the chats of agents away past
    the grace period, and drains queues with room."""

    oidc_issuer: str | None = None
    """The identity provider's OIDC issuer URL (its ``/.well-known/openid-configuration`` is read by the
    console); with ``oidc_client_id``, ``GET /v1/auth/config`` offers the provider's login."""
    oidc_client_id: str | None = None
    """The console's public client (Authorization Code with PKCE, no secret) at the identity provider."""
    oidc_scope: str = "openid"
    """The scopes the console requests (space-separated; ``openid`` is always included)."""

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if bool(self.oidc_issuer) != bool(self.oidc_client_id):
            raise ValueError("LIVECHAT_OIDC_ISSUER and LIVECHAT_OIDC_CLIENT_ID are set together (or neither)")
        if self.oidc_issuer and not self.jwt_jwks_url:
            raise ValueError(
                "LIVECHAT_OIDC_ISSUER needs LIVECHAT_JWT_JWKS_URL "
                "(the provider's tokens are verified against its keys)"
            )
        return self
