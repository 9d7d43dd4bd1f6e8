"""Response bodies of the sign-in configuration."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field


class TokenLogin(BaseModel):
    """Sign in by pasting a bearer token (development: HS256 tokens from ``livechat token``)."""

    login: Literal["token"]


class OidcLogin(BaseModel):
    """Sign in at the identity provider: OpenID Connect Authorization Code flow with PKCE."""

    login: Literal["oidc"]
    issuer: str = Field(
        description="The OIDC issuer; its `/.well-known/openid-configuration` names the endpoints."
    )
    client_id: str = Field(description="The public client (no secret, PKCE) registered for the console.")
    scope: str = Field(description="The scopes to request (space-separated), at least `openid`.")
    audience: str | None = Field(
        description="The `aud` the services require of a token (`LIVECHAT_JWT_AUDIENCE`), or null if none.",
    )


LoginConfig = Annotated[TokenLogin | OidcLogin, Field(discriminator="login")]
