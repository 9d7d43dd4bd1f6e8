"""What a person's message costs ingest in database round trips, read off the service's own
``/metrics`` (``mongodb_commands_total``), so the cost of the hot path cannot creep back up.

In the steady state (the app and the visitor's session seen before, every rate limit far away) a
message over HTTP or over the socket costs one command: the insert of its dedup key against the
unique index, after the broker confirmed the publish. The rate-limit counters of all messages are
written together, two commands (``update`` and ``find``) every flush interval whatever the rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import websockets
from fastapi import FastAPI
from ingest.settings import Settings
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection

Bearer = Callable[[str], dict[str, str]]
Serve = Callable[..., contextlib.AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient, str]]]

pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:remove second argument of ws_handler:DeprecationWarning"),
]

VISITORS = 100
ROUNDS = 2
"""Every visitor writes ``ROUNDS`` messages, all visitors at once: 200 messages."""
MOST_PER_MESSAGE = 1.2
SETTINGS: dict[str, Any] = {
    "rate_sessions_per_address_per_minute": 0,
    "rate_sockets_per_address_per_minute": 0,
}
"""The test's visitors all start from one address; the message limits keep their defaults."""


async def commands(http: httpx.AsyncClient) -> dict[str, float]:
    """``mongodb_commands_total`` of the service, by command name."""
    text = (await http.get("/metrics")).text
    return {
        sample.labels["command"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "mongodb_commands"
        for sample in family.samples
        if sample.name == "mongodb_commands_total"
    }


@contextlib.asynccontextmanager
async def counting(http: httpx.AsyncClient) -> AsyncIterator[dict[str, float]]:
    """The commands sent inside the block, by name (filled in when it ends), and ``seconds``."""
    used: dict[str, float] = {}
    before, started = await commands(http), time.monotonic()
    yield used
    after = await commands(http)
    used.update({name: n - before.get(name, 0) for name, n in after.items() if n - before.get(name, 0)})
    used["seconds"] = time.monotonic() - started


def assert_one_command_per_message(used: dict[str, float], flush_seconds: float) -> None:
    seconds, messages = used.pop("seconds"), VISITORS * ROUNDS
    assert used.pop("insert") == messages, used  # each message's dedup key, and nothing else stored
    # besides: only the rate limiter's batches, one update and one find per flush interval at most
    assert set(used) <= {"update", "find"} and abs(used.get("update", 0) - used.get("find", 0)) <= 1, used
    assert used.get("update", 0) <= seconds / flush_seconds + 2, (used, seconds)
    assert (messages + sum(used.values())) / messages <= MOST_PER_MESSAGE, (used, seconds)


async def webchat_visitors(http: httpx.AsyncClient, bearer: Bearer) -> tuple[str, list[str]]:
    """A Webchat app and :data:`VISITORS` session tokens on it."""
    made = await http.post(
        "/v1/apps", headers=bearer("admin"), json={"teamspace_id": "ts-1", "channel": "webchat", "name": "S"}
    )
    app_id: str = made.json()["id"]
    tokens = []
    for _ in range(VISITORS):
        started = await http.post(f"/v1/webchat/{app_id}/sessions", json={})
        tokens.append(started.json()["session_token"])
    return app_id, tokens


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """The ``service`` fixture's settings, here: :data:`SETTINGS`."""
    return make_settings(**SETTINGS)


async def test_a_message_over_http_costs_one_command_in_the_steady_state(
    service: tuple[FastAPI, httpx.AsyncClient], bearer: Bearer
) -> None:
    app, http = service
    app_id, tokens = await webchat_visitors(http, bearer)

    async def person(token: str, messages: list[str]) -> None:
        for client_message_id in messages:
            sent = await http.post(
                f"/v1/webchat/{app_id}/messages",
                headers={"Authorization": f"Bearer {token}"},
                json={"text": "hello", "client_message_id": client_message_id},
            )
            assert sent.status_code == 202, sent.text

    await asyncio.gather(*(person(token, ["warm-up"]) for token in tokens))
    async with counting(http) as used:
        await asyncio.gather(*(person(token, [f"m-{n}" for n in range(ROUNDS)]) for token in tokens))

    assert_one_command_per_message(used, app.state.runtime.limiter.flush_seconds)


async def test_a_message_over_the_socket_costs_one_command_in_the_steady_state(
    serve: Serve, bearer: Bearer
) -> None:
    async with serve(**SETTINGS) as (app, http, address), contextlib.AsyncExitStack() as stack:
        app_id, tokens = await webchat_visitors(http, bearer)
        sockets: list[ClientConnection] = [
            await stack.enter_async_context(
                websockets.connect(f"ws://{address}/v1/webchat/{app_id}/ws?token={token}", open_timeout=10)
            )
            for token in tokens
        ]

        async def person(ws: ClientConnection, messages: list[str]) -> None:
            for client_message_id in messages:
                frame = {"type": "message", "text": "hi", "client_message_id": client_message_id}
                await ws.send(json.dumps(frame))
                async with asyncio.timeout(20):
                    answer = json.loads(await ws.recv())
                assert (answer["type"], answer["status"]) == ("ack", "accepted"), answer

        await asyncio.gather(*(person(ws, ["warm-up"]) for ws in sockets))
        async with counting(http) as used:
            await asyncio.gather(*(person(ws, [f"m-{n}" for n in range(ROUNDS)]) for ws in sockets))

    assert_one_command_per_message(used, app.state.runtime.limiter.flush_seconds)
