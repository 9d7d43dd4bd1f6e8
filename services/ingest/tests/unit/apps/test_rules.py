"""Who may manage and see channel apps, and which apps get which secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ingest.apps.rules import gets_api_key, gets_identity_secret, may_manage_apps, may_see
from livechat_shared.auth import Permission, Role


@pytest.mark.parametrize(
    ("role", "grants", "allowed"),
    [
        (Role.ADMIN, (), True),
        (Role.SUPERVISOR, (), False),
        (Role.SUPERVISOR, tuple(Permission), False),
        (Role.AGENT, (), False),
        (Role.AGENT, (Permission.SETTINGS,), False),
    ],
)
def test_managing_apps_is_for_admins_only(
    make_user: Callable[..., Any], role: Role, grants: tuple[Permission, ...], allowed: bool
) -> None:
    assert may_manage_apps(make_user(role, grants=frozenset(grants))) is allowed


@pytest.mark.parametrize(
    ("role", "workspace_id", "visible"),
    [
        (Role.ADMIN, "ws-1", True),
        (Role.ADMIN, "ws-2", False),
        (Role.SUPERVISOR, "ws-1", False),
        (Role.AGENT, "ws-1", False),
    ],
)
def test_an_app_is_seen_by_the_admins_of_its_workspace_only(
    make_user: Callable[..., Any], make_app: Callable[..., Any], role: Role, workspace_id: str, visible: bool
) -> None:
    assert may_see(make_user(role, workspace_id=workspace_id), make_app(workspace_id="ws-1")) is visible


@pytest.mark.parametrize(
    ("channel", "key", "identity"),
    [
        ("api", True, False),
        ("webchat", False, True),
        ("whatsapp", False, False),
        ("messenger", False, False),
        ("telegram", False, False),
    ],
)
def test_api_apps_get_a_key_and_webchat_apps_an_identity_secret(
    channel: Any, key: bool, identity: bool
) -> None:
    assert (gets_api_key(channel), gets_identity_secret(channel)) == (key, identity)
