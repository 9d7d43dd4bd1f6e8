"""The whole suite as processes: every service started as ``livechat-<service>`` against the real
broker and database, with names unique to this run."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from livechat_dev.devstack import SERVICES, ServiceProcess, free_port
from livechat_dev.testing import StreamFrames, eventually, isolated_env, remove_topology, settings_from
from livechat_shared.ids import new_id
from livechat_shared.settings import ServiceSettings


@dataclass
class Stack:
    env: dict[str, str]
    services: dict[str, ServiceProcess]
    logs: Path

    def url(self, service: str) -> str:
        return self.services[service].url

    def ws_url(self, service: str, path: str) -> str:
        return self.url(service).replace("http://", "ws://") + path

    def cli(self, *args: str) -> dict[str, Any]:
        """Run the ``livechat`` command line against this stack; returns its JSON output."""
        out = subprocess.run(
            ["livechat", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


@contextlib.contextmanager
def running_stack(amqp_url: str, mongo_url: str, logs: Path) -> Iterator[Stack]:
    """Every service as a process, with this run's own exchange, queues and databases."""
    # Every test client is 127.0.0.1: the per-address limits are raised so they do not trip each
    # other (the limits themselves are tested per service with low settings).
    env = isolated_env(amqp_url, mongo_url) | {
        "LIVECHAT_LOG_FORMAT": "json",
        "LIVECHAT_RATE_AUTH_FAILURES_PER_MINUTE": "100000",
        "LIVECHAT_RATE_SESSIONS_PER_ADDRESS_PER_MINUTE": "100000",
        "LIVECHAT_RATE_SOCKETS_PER_ADDRESS_PER_MINUTE": "100000",
    }
    services = {
        name: ServiceProcess(name, free_port(), env, log=(logs / f"{name}.log").open("ab"))
        for name in SERVICES
    }
    env |= {f"LIVECHAT_{name.upper()}_URL": svc.url for name, svc in services.items()}
    try:
        for svc in services.values():
            svc.start()
        for svc in services.values():
            svc.wait_ready()
        yield Stack(env=env, services=services, logs=logs)
    finally:
        for svc in services.values():
            svc.stop()
        asyncio.run(remove_topology(settings_from(ServiceSettings, env)))


@pytest.fixture(scope="session")
def stack(amqp_url: str, mongo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(amqp_url, mongo_url, tmp_path_factory.mktemp("logs")) as suite:
        yield suite


@pytest.fixture(scope="session")
def workspace(stack: Stack) -> dict[str, Any]:
    """A workspace made by ``livechat bootstrap``, as a user would, with its Webchat app's AI agent
    off: the tests of the message path, permissions and crash safety see only what people and agents
    write. The AI agent's tests (``test_handoff_flow.py``) make apps of their own, with the AI on."""
    made: dict[str, Any] = stack.cli("bootstrap", "--workspace", "E2E")
    url = f"{stack.url('aiagent')}/v1/apps/{made['app_id']}/bot"
    deadline = time.monotonic() + 30
    while True:  # until the AI agent's copy of the directory knows the new admin
        answer = httpx.put(url, headers=auth(made["token"]), json={"enabled": False}, timeout=10)
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answer.status_code == 200, answer.text
    return made


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def known_everywhere(
    http: httpx.AsyncClient, stack: Stack, token: str, *, refused: bool = False
) -> None:
    """Wait until the inbox's and ingest's copies of the directory accept ``token`` (or, with
    ``refused``, refuse it): they follow the assignment service's user events."""

    async def settled() -> bool:
        answers = [
            (await http.get(f"{stack.url(service)}{path}", headers=auth(token))).status_code
            for service, path in (("inbox", "/v1/chats"), ("ingest", "/v1/apps"))
        ]
        return all((status == 401) is refused for status in answers)

    await eventually(settled, within=30)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20) as client:
        yield client


class Socket(StreamFrames):
    """A WebSocket client that waits for the frame a test expects; frames passed over are kept, so
    a later ``expect`` can still find them (the order of two frames is not the test's concern)."""


@pytest.fixture
def connect() -> Callable[[str], Any]:
    @contextlib.asynccontextmanager
    async def _connect(url: str) -> AsyncIterator[Socket]:
        async with websockets.connect(url, open_timeout=10) as ws:
            yield Socket(ws)

    return _connect


async def new_user(
    http: httpx.AsyncClient,
    stack: Stack,
    workspace: dict[str, Any],
    role: str,
    *,
    wait: bool = True,
    **fields: Any,
) -> tuple[str, str]:
    """A user made by the workspace's admin and their token (with ``wait``, once every service knows them)."""
    body = {
        "name": f"{role} {new_id()[-6:]}",
        "email": f"{new_id().lower()}@example.com",
        "role": role,
        **fields,
    }
    made = await http.post(f"{stack.url('assignment')}/v1/users", headers=auth(workspace["token"]), json=body)
    assert made.status_code == 201, made.text
    user_id = made.json()["id"]
    token = stack.cli("token", "--workspace", workspace["workspace_id"], "--user", user_id)["token"]
    if wait:
        await known_everywhere(http, stack, token)
    return user_id, token
