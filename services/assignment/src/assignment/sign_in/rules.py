"""Pure decision: which sign-in the deployment offers, from its settings."""

from __future__ import annotations

from .schemas import OidcLogin, TokenLogin


def login_config(
    *, issuer: str | None, client_id: str | None, scope: str, audience: str | None
) -> TokenLogin | OidcLogin:
    """The identity provider's login when both its issuer and the console's client id are
    configured; a pasted token otherwise. The scope always includes ``openid`` (OIDC requires it)."""
    if not issuer or not client_id:
        return TokenLogin(login="token")
    scopes = scope.split()
    if "openid" not in scopes:
        scopes.insert(0, "openid")
    return OidcLogin(
        login="oidc", issuer=issuer, client_id=client_id, scope=" ".join(scopes), audience=audience
    )
