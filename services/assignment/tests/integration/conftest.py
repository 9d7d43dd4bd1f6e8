"""The assignment app in process against the real broker and database, a workspace made through the
operator's endpoint (as ``livechat bootstrap`` makes one), and a probe on the bus."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aio_pika
import httpx
import pytest
from assignment.app import create_app
from assignment.settings import Settings
from fastapi import FastAPI
from livechat_dev.testing import eventually, probe_queue, running, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import DirectoryUser, Envelope, UserChangedV1
from livechat_shared.ids import new_id


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return settings_from(Settings, env)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


def token_headers(settings: Settings, user_id: str, workspace_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, user_id=user_id, workspace_id=workspace_id)}"}


class Org:
    """A workspace made by the operator, its first admin, and users the admin adds."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings, created: dict[str, Any]) -> None:
        self.http, self.settings = http, settings
        self.workspace: dict[str, Any] = created["workspace"]
        self.id: str = self.workspace["id"]
        self.admin: dict[str, Any] = created["admin"]

    def auth(self, user: dict[str, Any]) -> dict[str, str]:
        """A bearer token for ``user`` (it says only who they are)."""
        return token_headers(self.settings, user["id"], self.id)

    async def add_user(self, role: str = "agent", **fields: Any) -> dict[str, Any]:
        body = {"name": role.title(), "email": f"{role}-{new_id().lower()}@acme.example", "role": role}
        made = await self.http.post("/v1/users", headers=self.auth(self.admin), json={**body, **fields})
        assert made.status_code == 201, made.text
        user: dict[str, Any] = made.json()
        return user

    async def users(self) -> list[dict[str, Any]]:
        """Every user of the workspace, in full (read as the first admin)."""
        listed = await self.http.get("/v1/users?page_size=200", headers=self.auth(self.admin))
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
        return items


async def create_org(http: httpx.AsyncClient, settings: Settings, name: str = "Acme") -> Org:
    made = await http.post(
        "/v1/workspaces",
        headers={"X-Operator-Key": settings.operator_key},
        json={"name": name, "admin": {"name": "Ada", "email": "ada@acme.example"}},
    )
    assert made.status_code == 201, made.text
    return Org(http, settings, made.json())


@pytest.fixture
async def acme(api: httpx.AsyncClient, settings: Settings) -> Org:
    return await create_org(api, settings)


@pytest.fixture
def new_org(api: httpx.AsyncClient, settings: Settings) -> Callable[[str], Any]:
    return lambda name: create_org(api, settings, name)


class Probe:
    """A queue of this test's own bound to the user events: what the other services' copies get."""

    def __init__(self, queue: aio_pika.abc.AbstractQueue) -> None:
        self.queue = queue

    async def next(self, within: float = 20.0) -> DirectoryUser:
        async def one() -> aio_pika.abc.AbstractIncomingMessage | None:
            return await self.queue.get(no_ack=True, fail=False)

        message = await eventually(one, within)
        envelope = Envelope.model_validate_json(message.body)
        assert (envelope.routing_key, message.routing_key) == (UserChangedV1.routing_key(),) * 2
        user = envelope.open(UserChangedV1).user
        assert envelope.workspace_id == user.workspace_id
        return user

    async def take(self, count: int) -> list[DirectoryUser]:
        return [await self.next() for _ in range(count)]

    async def empty(self) -> bool:
        return await self.queue.get(no_ack=True, fail=False) is None


@contextlib.asynccontextmanager
async def probing(settings: Settings) -> AsyncIterator[Probe]:
    """A probe queue bound to ``assignment.user.#`` (the exchange must exist: a service declared it)."""
    async with probe_queue(settings, "assignment.user.#") as queue:
        yield Probe(queue)


@pytest.fixture
def probe_bus(settings: Settings) -> Callable[[], Any]:
    return lambda: probing(settings)
