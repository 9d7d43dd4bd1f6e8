"""The sign-in configuration over HTTP (real broker and database): public, a pasted token in
development, the identity provider's login (OIDC with PKCE) when it is configured."""

from __future__ import annotations

import httpx
import pytest
from assignment.app import create_app
from assignment.settings import Settings
from livechat_dev.testing import running, settings_from


async def test_development_signs_in_with_a_token(api: httpx.AsyncClient) -> None:
    answer = await api.get("/v1/auth/config")  # no bearer token: read before anyone signs in
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"login": "token"}


async def test_an_identity_provider_offers_its_login(env: dict[str, str]) -> None:
    settings = settings_from(
        Settings,
        env,
        jwt_jwks_url="https://id.example.com/realms/acme/protocol/openid-connect/certs",
        jwt_issuer="https://id.example.com/realms/acme",
        jwt_audience="livechat-api",
        oidc_issuer="https://id.example.com/realms/acme",
        oidc_client_id="livechat-console",
        oidc_scope="profile email",
    )
    async with running(create_app(settings)) as api:
        answer = await api.get("/v1/auth/config")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "login": "oidc",
            "issuer": "https://id.example.com/realms/acme",
            "client_id": "livechat-console",
            "scope": "openid profile email",  # openid is always requested
            "audience": "livechat-api",
        }
        assert (await api.get("/v1/me")).status_code == 401  # the rest still needs a token


def test_an_incomplete_identity_provider_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="together"):
        settings_from(
            Settings, env, jwt_jwks_url="https://id.example.com/certs", oidc_issuer="https://id.example.com"
        )
    with pytest.raises(ValueError, match="JWKS"):
        settings_from(Settings, env, oidc_issuer="https://id.example.com", oidc_client_id="console")
