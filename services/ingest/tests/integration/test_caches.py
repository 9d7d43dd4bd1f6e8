"""The per-process caches of apps and webchat sessions against the real database: what they save,
and that they never serve what the database would not (an expired session, another app's session,
an app or a session they have not seen stored)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from ingest.core.models import App, WebchatSession
from ingest.core.repository import AppRepository
from ingest.settings import Settings
from ingest.webchat.repository import SessionRepository
from livechat_dev.testing import settings_from
from livechat_shared.ids import new_id, utcnow
from livechat_shared.mongo import Mongo
from prometheus_client import CollectorRegistry


class Replica:
    """One process's view: its own client (counting its commands) and its own repositories."""

    def __init__(self, settings: Settings) -> None:
        self.registry = CollectorRegistry()
        self.mongo = Mongo.from_settings(settings, self.registry)
        self.apps = AppRepository(self.mongo)
        self.sessions = SessionRepository(self.mongo)

    def finds(self) -> float:
        return self.registry.get_sample_value("mongodb_commands_total", {"command": "find"}) or 0.0


@pytest.fixture
async def replicas(env: dict[str, str]) -> AsyncIterator[tuple[Replica, Replica]]:
    settings = settings_from(Settings, env)
    one, two = Replica(settings), Replica(settings)
    await one.mongo.create_indexes()
    yield one, two
    for replica in (one, two):
        await replica.mongo.close()


def webchat_app() -> App:
    return App(
        id=new_id(),
        workspace_id="ws-1",
        teamspace_id="ts-1",
        channel="webchat",
        name="S",
        created_at=utcnow(),
    )


def session(app_id: str, lifetime: timedelta) -> WebchatSession:
    now = utcnow()
    return WebchatSession(
        id=new_id(),
        app_id=app_id,
        workspace_id="ws-1",
        visitor_id="visitor-0001",
        created_at=now,
        expires_at=now + lifetime,
    )


async def test_an_app_is_read_once_per_process_and_an_unknown_one_is_asked_again(
    replicas: tuple[Replica, Replica],
) -> None:
    one, two = replicas
    app = webchat_app()
    assert await two.apps.get(app.id) is None  # not there yet: not remembered either
    await one.apps.insert(app)
    known = await one.apps.get(app.id)
    assert known is not None and known.id == app.id and one.finds() == 0  # the one that stored it knows it

    finds = two.finds()
    assert await two.apps.get(app.id) == known  # stored meanwhile by another replica: found, the same
    assert await two.apps.get(app.id) == known
    assert two.finds() == finds + 1


async def test_a_session_is_read_once_and_never_served_expired_or_on_another_app(
    replicas: tuple[Replica, Replica],
) -> None:
    one, two = replicas
    lasting, brief = session("app-1", timedelta(days=1)), session("app-1", timedelta(milliseconds=300))
    assert await two.sessions.find("app-1", lasting.id) is None
    for stored in (lasting, brief):
        await one.sessions.insert(stored)

    found = await one.sessions.find("app-1", lasting.id)
    assert found is not None and found.visitor_id == "visitor-0001" and one.finds() == 0
    assert await two.sessions.find("app-1", lasting.id) == found  # the same as every replica reads it
    finds = two.finds()
    assert await two.sessions.find("app-1", lasting.id) is not None and two.finds() == finds  # cached
    assert await two.sessions.find("app-2", lasting.id) is None  # a token opens its own app only
    assert await one.sessions.find("app-2", lasting.id) is None

    assert await one.sessions.find("app-1", brief.id) is not None
    await asyncio.sleep(max(0.0, (brief.expires_at - utcnow()).total_seconds()) + 0.01)
    assert await one.sessions.find("app-1", brief.id) is None  # expired: never served from memory
    assert await two.sessions.find("app-1", brief.id) is None
