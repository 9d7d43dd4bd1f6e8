"""Fixtures of the ingest integration tests: the service in this process against the real broker
and database, its directory copy seeded with users of every role, and a real HTTP server for the
tests that need WebSockets."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from ingest.app import create_app
from ingest.settings import Settings
from livechat_dev.testing import eventually, running, settings_from
from livechat_dev.testing import serving as serve_app
from livechat_shared.auth import issue_token
from livechat_shared.contracts import DirectoryUser
from livechat_shared.directory import DirectoryCopy

USERS: dict[str, DirectoryUser] = {
    "admin": DirectoryUser(id="u-admin", workspace_id="ws-1", name="Ada", role="admin", version=1),
    "supervisor": DirectoryUser(
        id="u-sup", workspace_id="ws-1", role="supervisor", team_ids=["t-1"], version=1
    ),
    "agent": DirectoryUser(id="u-agent", workspace_id="ws-1", role="agent", team_ids=["t-1"], version=1),
    "agent+settings": DirectoryUser(
        id="u-granted", workspace_id="ws-1", role="agent", grants=["settings"], version=1
    ),
    "deactivated admin": DirectoryUser(
        id="u-gone", workspace_id="ws-1", role="admin", active=False, version=2
    ),
    "other workspace's admin": DirectoryUser(id="u-other", workspace_id="ws-2", role="admin", version=1),
}
"""The directory as the assignment service announced it (seeded into ingest's copy)."""


@pytest.fixture
def make_settings(env: dict[str, str]) -> Callable[..., Settings]:
    """Settings of this test's run, with overrides (e.g. low rate limits)."""

    def make(**overrides: Any) -> Settings:
        return settings_from(Settings, env, **overrides)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


async def seed_directory(app: FastAPI) -> None:
    copy = DirectoryCopy(app.state.runtime.mongo)
    for user in USERS.values():
        await copy.apply(user)


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The service in this process (HTTP through ASGI), its directory seeded with :data:`USERS`."""
    app = create_app(settings)
    async with running(app) as http:
        await seed_directory(app)
        yield app, http


@pytest.fixture
def bearer(settings: Settings) -> Callable[[str], dict[str, str]]:
    """The Authorization header of one of :data:`USERS` (by its key)."""

    def header(who: str) -> dict[str, str]:
        user = USERS[who]
        token = issue_token(settings, user_id=user.id, workspace_id=user.workspace_id)
        return {"Authorization": f"Bearer {token}"}

    return header


@contextlib.asynccontextmanager
async def serving(app: FastAPI, ws_max_size: int) -> AsyncIterator[str]:
    """Serve ``app`` on a loopback port as ``livechat-ingest`` does (lifespan, WebSocket frame
    limit); yields ``host:port``. The directory is seeded."""
    async with serve_app(app, ws_max_size=ws_max_size) as address:
        await seed_directory(app)
        yield address


Serve = Callable[..., contextlib.AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient, str]]]


@pytest.fixture
def serve(make_settings: Callable[..., Settings]) -> Serve:
    """``async with serve(**setting_overrides) as (app, http, address)``: the service behind a real
    server; ``http`` is a client of it, ``address`` its ``host:port`` (for ``ws://`` URLs). Unless
    given, the server's frame limit is the service's body limit, as in ``livechat-ingest``."""

    @contextlib.asynccontextmanager
    async def start(
        ws_max_size: int | None = None, **overrides: Any
    ) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, str]]:
        settings = make_settings(**overrides)
        app = create_app(settings)
        async with (
            serving(app, ws_max_size or settings.max_body_bytes) as address,
            httpx.AsyncClient(base_url=f"http://{address}", timeout=20) as http,
        ):
            yield app, http, address

    return start


async def early_in_the_window(per_seconds: int = 60, margin: float = 8.0) -> None:
    """Wait, if needed, until the current fixed rate-limit window has more than ``margin`` seconds
    left, so a test's hits all fall in one window."""

    async def enough_left() -> bool:
        return per_seconds - time.time() % per_seconds > margin

    await eventually(enough_left, within=margin + 2)


@pytest.fixture
def fresh_window() -> Callable[[], Awaitable[None]]:
    return early_in_the_window
