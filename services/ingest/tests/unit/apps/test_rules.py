"""Who may change and see channel apps, and which apps get an API key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ingest.apps.rules import gets_api_key, may_change_apps, may_see
from livechat_shared.auth import Permission, Role


@pytest.mark.parametrize(
    ("role", "grants", "allowed"),
    [
        (Role.ADMIN, (), True),
        (Role.SUPERVISOR, (), True),
        (Role.AGENT, (), False),
        (Role.AGENT, (Permission.SETTINGS,), True),
        (Role.AGENT, (Permission.EXPORT, Permission.BAN), False),
    ],
)
def test_changing_apps_needs_the_settings_permission(
    make_user: Callable[..., Any], role: Role, grants: tuple[Permission, ...], allowed: bool
) -> None:
    assert may_change_apps(make_user(role, grants=frozenset(grants))) is allowed


@pytest.mark.parametrize(("workspace_id", "visible"), [("ws-1", True), ("ws-2", False)])
@pytest.mark.parametrize("role", list(Role))
def test_an_app_is_seen_from_its_workspace_only(
    make_user: Callable[..., Any], make_app: Callable[..., Any], role: Role, workspace_id: str, visible: bool
) -> None:
    assert may_see(make_user(role, workspace_id=workspace_id), make_app(workspace_id="ws-1")) is visible


@pytest.mark.parametrize(
    ("channel", "key"),
    [("api", True), ("webchat", False), ("whatsapp", False), ("messenger", False), ("telegram", False)],
)
def test_only_api_apps_get_a_key(channel: Any, key: bool) -> None:
    assert gets_api_key(channel) is key
