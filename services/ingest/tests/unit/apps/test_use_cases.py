"""Use cases of channel apps against an in-memory repository."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from ingest.apps.schemas import AppCreate
from ingest.apps.use_cases import AppUseCases
from ingest.core.tokens import digest
from ingest.errors import AppNotFound, Forbidden
from livechat_shared.auth import Permission, Role

TELEGRAM = {"bot_token": "123:abc", "secret_token": "s3cret"}


def request(channel: str = "webchat", **changes: Any) -> AppCreate:
    values: dict[str, Any] = {"teamspace_id": "ts-1", "channel": channel, "name": f"Acme {channel}"}
    return AppCreate(**{**values, **changes})


async def test_creating_an_app_needs_the_settings_permission(
    app_use_cases: AppUseCases, apps: Any, make_user: Callable[..., Any]
) -> None:
    with pytest.raises(Forbidden) as info:
        await app_use_cases.create(make_user(Role.AGENT), request())
    assert info.value.message == "changing channel apps needs the settings permission"
    assert apps.stored == {}

    granted = make_user(Role.AGENT, grants=frozenset({Permission.SETTINGS}))
    assert (await app_use_cases.create(granted, request())).channel == "webchat"


async def test_an_app_is_created_in_the_callers_workspace_and_shows_no_secrets(
    app_use_cases: AppUseCases, apps: Any, make_user: Callable[..., Any]
) -> None:
    made = await app_use_cases.create(
        make_user(workspace_id="ws-7"), request("telegram", credentials=TELEGRAM, team_ids=["t-1"])
    )

    assert made.api_key is None
    assert (made.workspace_id, made.teamspace_id, made.team_ids) == ("ws-7", "ts-1", ["t-1"])
    assert made.credentials == ["bot_token", "secret_token"]
    assert "s3cret" not in made.model_dump_json() and "123:abc" not in made.model_dump_json()
    stored = apps.stored[made.id]
    assert stored.credentials == TELEGRAM and stored.api_key_hash is None
    assert stored.created_at == made.created_at


async def test_an_api_app_shows_its_key_once_and_stores_only_its_digest(
    app_use_cases: AppUseCases, apps: Any, make_user: Callable[..., Any]
) -> None:
    admin = make_user()
    made = await app_use_cases.create(admin, request("api"))

    assert made.api_key and len(made.api_key) >= 43
    assert apps.stored[made.id].api_key_hash == digest(made.api_key)
    assert made.api_key not in apps.stored[made.id].model_dump_json()
    read = await app_use_cases.read(admin, made.id)
    assert "api_key" not in read.model_dump()
    assert read.model_dump() == made.model_dump(exclude={"api_key"})


async def test_listing_shows_the_workspaces_apps_newest_first(
    app_use_cases: AppUseCases, apps: Any, make_app: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    first = make_app(id="a-1")
    for n, app in enumerate(
        [first, make_app(id="a-2"), make_app(id="a-3"), make_app(id="b-1", workspace_id="ws-2")]
    ):
        await apps.insert(app.model_copy(update={"created_at": first.created_at + timedelta(minutes=n)}))

    items, total = await app_use_cases.list(make_user(), 0, 2)
    assert ([a.id for a in items], total) == (["a-3", "a-2"], 3)
    items, total = await app_use_cases.list(make_user(), 2, 2)
    assert ([a.id for a in items], total) == (["a-1"], 3)


@pytest.mark.parametrize(("app_id", "workspace_id"), [("NO-SUCH-APP", "ws-1"), ("app-1", "ws-2")])
async def test_an_unknown_app_or_one_of_another_workspace_is_not_found(
    app_use_cases: AppUseCases,
    webchat_app: Any,
    make_user: Callable[..., Any],
    app_id: str,
    workspace_id: str,
) -> None:
    with pytest.raises(AppNotFound) as info:
        await app_use_cases.read(make_user(workspace_id=workspace_id), app_id)
    assert info.value.message == "app not found"
