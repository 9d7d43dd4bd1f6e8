"""Who may do what with channel apps, and what an app gets when it is created."""

from __future__ import annotations

from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import Channel

from ..core.models import App


def may_manage_apps(user: Principal) -> bool:
    """Creating, listing and reading channel apps is for admins only (no grant opens it)."""
    return user.role is Role.ADMIN


def may_see(user: Principal, app: App) -> bool:
    """An admin of the app's workspace; for anyone else the app does not exist."""
    return may_manage_apps(user) and app.workspace_id == user.workspace_id


def gets_api_key(channel: Channel) -> bool:
    """Only the generic api channel authenticates with a per-app key."""
    return channel == "api"


def gets_identity_secret(channel: Channel) -> bool:
    """Webchat apps get a secret for identity verification (signing the visitor ids a site passes)."""
    return channel == "webchat"
