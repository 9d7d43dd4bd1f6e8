"""Who may do what with channel apps, and what an app gets when it is created."""

from __future__ import annotations

from livechat_shared.auth import Permission, Principal
from livechat_shared.contracts import Channel

from ..core.models import App


def may_change_apps(user: Principal) -> bool:
    """Creating or changing channel apps is a settings change."""
    return user.has(Permission.SETTINGS)


def may_see(user: Principal, app: App) -> bool:
    """Everyone in the app's workspace; an app of another workspace does not exist for them."""
    return app.workspace_id == user.workspace_id


def gets_api_key(channel: Channel) -> bool:
    """Only the generic api channel authenticates with a per-app key."""
    return channel == "api"
