"""``livechat bootstrap``, ``livechat token`` and the runner's demo against the real assignment
service (served by uvicorn in this process, real broker and database) and a stand-in for ingest
whose copy of the directory lags behind (it refuses the new admin's token a few times)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from assignment.app import create_app
from assignment.settings import Settings
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from livechat_cli.bootstrap import BootstrapError, CliSettings, bootstrap, token_for
from livechat_cli.runner import _demo
from livechat_dev.testing import eventually, settings_from
from livechat_shared.auth import Identity, InvalidTokenError, TokenVerifier
from livechat_shared.ids import new_id


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this process; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on", ws="none"))
    task = asyncio.create_task(server.serve(sockets=[listener]))

    async def started() -> bool:
        if task.done():
            task.result()
            raise AssertionError("the server stopped while starting")
        return server.started

    try:
        await eventually(started)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@dataclass
class FakeIngest:
    """Ingest as bootstrap meets it: bearer tokens checked, the first ``lagging`` calls refused
    with 401 as while its copy of the directory has not yet heard of the user."""

    verifier: TokenVerifier
    lagging: int = 2
    calls: list[int] = field(default_factory=list)
    apps: dict[str, Identity] = field(default_factory=dict)

    def app(self) -> FastAPI:
        api = FastAPI()

        async def caller(request: Request) -> Identity | None:
            try:
                return await self.verifier.verify(request.headers["authorization"].removeprefix("Bearer "))
            except (InvalidTokenError, KeyError):
                return None

        @api.post("/v1/apps")
        async def create(request: Request) -> JSONResponse:
            identity = await caller(request)
            if identity is None or len(self.calls) < self.lagging:
                self.calls.append(401)
                return JSONResponse({"error": {"code": "invalid_token", "message": "no"}}, status_code=401)
            body = await request.json()
            assert (body["channel"], body["name"]) == ("webchat", "Website chat")
            app_id = new_id()
            self.apps[app_id] = identity
            self.calls.append(201)
            return JSONResponse({"id": app_id, "identity_secret": "s3cret"}, status_code=201)

        @api.get("/v1/apps/{app_id}")
        async def read(app_id: str, request: Request) -> JSONResponse:
            identity = await caller(request)
            if identity is None:
                return JSONResponse({"error": {"code": "invalid_token", "message": "no"}}, status_code=401)
            if app_id not in self.apps or self.apps[app_id].workspace_id != identity.workspace_id:
                return JSONResponse({"error": {"code": "not_found", "message": "no"}}, status_code=404)
            return JSONResponse({"id": app_id})

        return api


@pytest.fixture
async def stack(env: dict[str, str]) -> AsyncIterator[tuple[CliSettings, FakeIngest]]:
    settings = settings_from(Settings, env)
    ingest = FakeIngest(TokenVerifier(settings))
    async with serving(create_app(settings)) as assignment_url, serving(ingest.app()) as ingest_url:
        yield settings_from(CliSettings, env, assignment_url=assignment_url, ingest_url=ingest_url), ingest


async def get(url: str, token: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def test_bootstrap_makes_a_workspace_through_the_operator_and_works_as_its_admin(
    stack: tuple[CliSettings, FakeIngest],
) -> None:
    settings, ingest = stack
    out = await asyncio.to_thread(bootstrap, settings, "Acme")
    assert set(out) == {
        "workspace_id",
        "workspace",
        "teamspace_id",
        "team_id",
        "app_id",
        "user_id",
        "token",
        "identity_secret",
    }
    assert (out["workspace"], out["identity_secret"]) == ("Acme", "s3cret")
    assert ingest.calls == [401, 401, 201]  # retried while ingest's copy caught up
    assert (ingest.apps[out["app_id"]].user_id, ingest.apps[out["app_id"]].workspace_id) == (
        out["user_id"],
        out["workspace_id"],
    )
    a, token = settings.assignment_url, out["token"]
    admin = await get(f"{a}/v1/users/{out['user_id']}", token)
    assert (admin["role"], admin["team_ids"], admin["active"]) == ("admin", [out["team_id"]], True)
    assert (await get(f"{a}/v1/workspace", token))["id"] == out["workspace_id"]
    team = await get(f"{a}/v1/teams/{out['team_id']}", token)
    assert team["teamspace_id"] == out["teamspace_id"]


async def test_bootstrap_needs_the_operator_key(stack: tuple[CliSettings, FakeIngest]) -> None:
    settings, ingest = stack
    wrong = settings.model_copy(update={"operator_key": "not-the-key"})
    with pytest.raises(BootstrapError, match=r"answered 401.*invalid_operator_key"):
        await asyncio.to_thread(bootstrap, wrong, "Acme")
    assert ingest.calls == []


async def test_token_looks_the_user_up_through_the_operator(stack: tuple[CliSettings, FakeIngest]) -> None:
    settings, _ = stack
    out = await asyncio.to_thread(bootstrap, settings, "Acme")
    token = await asyncio.to_thread(token_for, settings, out["workspace_id"], out["user_id"])
    identity = await TokenVerifier(settings).verify(token)
    assert (identity.user_id, identity.workspace_id) == (out["user_id"], out["workspace_id"])
    assert (await get(f"{settings.assignment_url}/v1/workspace", token))["name"] == "Acme"

    with pytest.raises(BootstrapError, match="answered 404"):
        await asyncio.to_thread(token_for, settings, out["workspace_id"], "nobody")
    with pytest.raises(BootstrapError, match="answered 404"):  # the user of another workspace
        await asyncio.to_thread(token_for, settings, "W-OTHER", out["user_id"])
    wrong = settings.model_copy(update={"operator_key": "not-the-key"})
    with pytest.raises(BootstrapError, match="answered 401"):
        await asyncio.to_thread(token_for, wrong, out["workspace_id"], out["user_id"])

    async with httpx.AsyncClient(timeout=10) as http:  # a second admin deactivates the first
        auth = {"Authorization": f"Bearer {token}"}
        made = await http.post(
            f"{settings.assignment_url}/v1/users",
            headers=auth,
            json={"name": "B", "email": "b@example.com", "role": "admin"},
        )
        other = await asyncio.to_thread(token_for, settings, out["workspace_id"], made.json()["id"])
        off = await http.patch(
            f"{settings.assignment_url}/v1/users/{out['user_id']}",
            headers={"Authorization": f"Bearer {other}"},
            json={"active": False},
        )
        assert off.status_code == 200, off.text
    with pytest.raises(BootstrapError, match="deactivated"):
        await asyncio.to_thread(token_for, settings, out["workspace_id"], out["user_id"])


async def test_the_runner_reuses_its_demo_while_it_exists(
    stack: tuple[CliSettings, FakeIngest], tmp_path: Path
) -> None:
    settings, ingest = stack
    path = tmp_path / "demo.json"
    first = await asyncio.to_thread(_demo, settings, path)
    assert json.loads(path.read_text()) == first
    again = await asyncio.to_thread(_demo, settings, path)
    assert {k: v for k, v in again.items() if k != "token"} == {
        k: v for k, v in first.items() if k != "token"
    }
    assert (await get(f"{settings.assignment_url}/v1/workspace", again["token"]))["id"] == first[
        "workspace_id"
    ]
    ingest.apps.clear()  # the app is gone: a new demo
    fresh = await asyncio.to_thread(_demo, settings, path)
    assert fresh["workspace_id"] != first["workspace_id"]
    assert json.loads(path.read_text()) == fresh
