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


NOT_ADMINS = [
    (Role.SUPERVISOR, frozenset()),
    (Role.AGENT, frozenset()),
    (Role.AGENT, frozenset({Permission.SETTINGS})),
    (Role.SUPERVISOR, frozenset(Permission)),
]


@pytest.mark.parametrize(("role", "grants"), NOT_ADMINS)
async def test_only_admins_create_list_and_read_apps(
    app_use_cases: AppUseCases,
    apps: Any,
    webchat_app: Any,
    make_user: Callable[..., Any],
    role: Role,
    grants: frozenset[Permission],
) -> None:
    user = make_user(role, grants=grants)
    with pytest.raises(Forbidden) as info:
        await app_use_cases.create(user, request())
    assert (info.value.code, info.value.message) == ("forbidden", "channel apps are managed by admins")
    with pytest.raises(Forbidden):
        await app_use_cases.list(user, 0, 10)
    with pytest.raises(AppNotFound):  # an app they cannot see does not exist for them
        await app_use_cases.read(user, webchat_app.id)
    assert list(apps.stored) == [webchat_app.id]

    assert (await app_use_cases.create(make_user(Role.ADMIN), request())).channel == "webchat"


async def test_an_app_is_created_in_the_callers_workspace_and_shows_no_secrets(
    app_use_cases: AppUseCases, apps: Any, make_user: Callable[..., Any]
) -> None:
    made = await app_use_cases.create(
        make_user(workspace_id="ws-7"), request("telegram", credentials=TELEGRAM, team_ids=["t-1"])
    )

    assert made.api_key is None and made.identity_secret is None
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

    assert made.api_key and len(made.api_key) >= 43 and made.identity_secret is None
    assert apps.stored[made.id].api_key_hash == digest(made.api_key)
    assert made.api_key not in apps.stored[made.id].model_dump_json()
    read = await app_use_cases.read(admin, made.id)
    assert "api_key" not in read.model_dump()
    assert read.model_dump() == made.model_dump(exclude={"api_key", "identity_secret"})


async def test_a_webchat_app_shows_its_identity_secret_once(
    app_use_cases: AppUseCases, apps: Any, make_user: Callable[..., Any]
) -> None:
    admin = make_user()
    made = await app_use_cases.create(admin, request("webchat"))
    other = await app_use_cases.create(admin, request("webchat"))

    assert made.identity_secret and len(made.identity_secret) >= 43 and made.api_key is None
    assert made.identity_secret != other.identity_secret
    assert apps.stored[made.id].identity_secret == made.identity_secret  # kept to verify signatures
    read = await app_use_cases.read(admin, made.id)
    assert made.identity_secret not in read.model_dump_json()
    assert read.model_dump() == made.model_dump(exclude={"api_key", "identity_secret"})
    listed, _ = await app_use_cases.list(admin, 0, 10)
    assert made.identity_secret not in str([a.model_dump() for a in listed])


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
