"""Which sign-in a deployment offers."""

from __future__ import annotations

from assignment.sign_in.rules import login_config
from assignment.sign_in.schemas import OidcLogin, TokenLogin


def test_a_token_unless_the_provider_and_the_client_are_both_known() -> None:
    for issuer, client_id in ((None, None), ("https://id.example.com", None), (None, "console")):
        assert login_config(issuer=issuer, client_id=client_id, scope="openid", audience=None) == TokenLogin(
            login="token"
        )


def test_the_provider_login_always_asks_for_openid() -> None:
    config = login_config(
        issuer="https://id.example.com", client_id="console", scope="email openid", audience=None
    )
    assert config == OidcLogin(
        login="oidc",
        issuer="https://id.example.com",
        client_id="console",
        scope="email openid",
        audience=None,
    )
    added = login_config(issuer="https://id.example.com", client_id="console", scope="", audience="api")
    assert (added.model_dump()["scope"], added.model_dump()["audience"]) == ("openid", "api")
