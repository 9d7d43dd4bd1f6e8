"""HTTP route of the sign-in configuration: ``GET /v1/auth/config``, public (no bearer token:
the sign-in screen reads it before anyone is signed in)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .schemas import LoginConfig, OidcLogin, TokenLogin

router = APIRouter(tags=["sign-in"])


@router.get("/v1/auth/config")
async def auth_config(request: Request) -> LoginConfig:
    """How clients sign in: ``{"login": "token"}`` (paste a bearer token) or ``{"login": "oidc", ...}``
    (the identity provider's Authorization Code flow with PKCE, for a public client). Needs no token."""
    config: TokenLogin | OidcLogin = request.app.state.login_config
    return config
