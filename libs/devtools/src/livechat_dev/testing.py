"""Helpers for tests against a real RabbitMQ and a real MongoDB wire server.

Names are unique per test run (exchange, queue prefix, database), so runs sharing a broker do not
collide, and :func:`remove_topology` deletes what a run declared.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import ModuleType
from typing import Any, Generic, TypeVar

import aio_pika
import httpx
from fastapi import FastAPI
from livechat_shared.bus import partition_exchange, queue_names
from livechat_shared.contracts import DirectoryUser, Envelope
from livechat_shared.directory import DirectoryCopy
from livechat_shared.errors import DomainError
from livechat_shared.ids import new_id
from livechat_shared.mongo import Mongo
from livechat_shared.settings import ServiceSettings
from livechat_shared.topology import DURABLE_QUEUES, partition_header

S = TypeVar("S", bound=ServiceSettings)
T = TypeVar("T")
St = TypeVar("St")


def settings_from(cls: type[S], variables: dict[str, str], **overrides: Any) -> S:
    """Settings built from ``LIVECHAT_*`` variables (as a dict), without touching the environment."""
    values = {k.removeprefix("LIVECHAT_").lower(): v for k, v in variables.items()}
    return cls(**{**values, **overrides})


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in this process (lifespan included) and give an HTTP client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


class InMemoryTransactions(Generic[St]):
    """Transactions and the outbox port over an in-memory ``state`` (with an ``outbox`` list), for
    use-case tests: a unit of work runs on the state and the state is put back when it raises, as
    MongoDB aborts a transaction; ``commits`` and ``notified`` count the commits and relay wake-ups."""

    def __init__(self, state: St) -> None:
        self.state = state
        self.commits = 0
        self.notified = 0

    async def transaction(self, work: Callable[[Any], Awaitable[T]]) -> T:
        import copy

        saved = copy.deepcopy(self.state)
        try:
            result = await work(None)
        except BaseException:
            self.state = saved
            raise
        self.commits += 1
        return result

    async def add(self, envelopes: list[Any], session: Any) -> list[Any]:
        self.state.outbox.extend(envelopes)  # type: ignore[attr-defined]
        return envelopes

    def notify(self, committed: Any = ()) -> None:
        self.notified += 1


@contextlib.asynccontextmanager
async def serving(app: FastAPI, **config: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this process (lifespan included, as the
    service's command runs it; ``config`` goes to ``uvicorn.Config``); yields ``host:port``."""
    import socket

    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    address = f"127.0.0.1:{listener.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on", **config))
    task = asyncio.create_task(server.serve(sockets=[listener]))

    async def started() -> bool:
        if task.done():  # it failed to start: show why
            task.result()
            raise AssertionError("the server stopped while starting")
        return server.started

    try:
        await eventually(started)
        yield address
    finally:
        server.should_exit = True
        await task
        listener.close()


class StreamFrames:
    """The JSON frames of a WebSocket client connection (``recv()`` of text): waits for the frame a
    test expects, keeping the frames passed over for a later :meth:`expect`."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.unclaimed: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        """Every frame so far, in the order it arrived."""

    async def expect(
        self,
        match: str | Callable[[dict[str, Any]], bool],
        within: float = 20.0,
        where: Callable[[dict[str, Any]], bool] = lambda f: True,
    ) -> dict[str, Any]:
        """The next frame that matches — of type ``match`` (and ``where``), or for which ``match``
        is true — arrived already or arriving within ``within`` seconds."""
        import json

        def test(frame: dict[str, Any]) -> bool:
            return match(frame) if callable(match) else frame["type"] == match and where(frame)

        for found in self.unclaimed:
            if test(found):
                self.unclaimed.remove(found)
                return found
        async with asyncio.timeout(within):
            while True:
                frame: dict[str, Any] = json.loads(await self.ws.recv())
                self.received.append(frame)
                if test(frame):
                    return frame
                self.unclaimed.append(frame)

    async def send(self, frame: dict[str, Any]) -> None:
        import json

        await self.ws.send(json.dumps(frame))


async def eventually(check: Callable[[], Awaitable[T]], within: float = 20.0) -> T:
    """Poll the async ``check`` until it returns a truthy value; fail after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s (last value {value!r})")
        await asyncio.sleep(0.05)


def docker_available() -> bool:
    """True when a Docker engine answers (then tests use testcontainers)."""
    if os.environ.get("LIVECHAT_TEST_NO_DOCKER"):
        return False
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


def isolated_env(amqp_url: str, mongo_url: str) -> dict[str, str]:
    """``LIVECHAT_*`` variables giving one test run its own exchange, queues and databases."""
    run = new_id().lower()
    return {
        "LIVECHAT_ENV": "test",
        "LIVECHAT_JWT_SECRET": secrets.token_urlsafe(32),
        "LIVECHAT_OPERATOR_KEY": secrets.token_urlsafe(32),
        "LIVECHAT_AMQP_URL": amqp_url,
        "LIVECHAT_MONGODB_URL": mongo_url,
        "LIVECHAT_EXCHANGE": f"test-{run}.events",
        "LIVECHAT_QUEUE_PREFIX": f"test-{run}.",
        "LIVECHAT_MONGODB_DB_PREFIX": f"test_{run}",
        # Two partitions per partitioned queue (each is a quorum queue with its dead-letter queue):
        # enough to share them between replicas, and a broker with many concurrent test stacks
        # keeps its file descriptors.
        "LIVECHAT_PARTITIONS": "2",
    }


async def remove_topology(settings: ServiceSettings) -> None:
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        exchanges = [settings.exchange, settings.dead_letter_exchange]
        for spec in DURABLE_QUEUES:
            for name in queue_names(settings, spec):
                for queue in (name, f"{name}.dlq"):
                    channel = await connection.channel()
                    with contextlib.suppress(Exception):
                        await channel.queue_delete(queue)
            if spec.partitions:
                exchanges += [
                    partition_exchange(settings, spec),
                    f"{partition_exchange(settings, spec)}.unkeyed",
                ]
        for exchange in exchanges:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(exchange)


class TcpProxy:
    """A loopback TCP proxy whose link can be cut and restored: a broker outage, without touching
    the broker other test runs share."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen (again, on the same port after a cut); a no-op while listening."""
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Drop every connection and refuse new ones until :meth:`start` is called again."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._links |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        except asyncio.CancelledError:
            pass
        finally:
            self._links -= {writer, up_writer}


async def seed_directory(settings: ServiceSettings, *users: DirectoryUser) -> None:
    """Put ``users`` in a service's copy of the directory (its database), as the assignment
    service's events would: for tests of one service without the assignment service running."""
    mongo = Mongo.from_settings(settings)
    try:
        copy = DirectoryCopy(mongo)
        for user in users:
            await copy.apply(user)
    finally:
        await mongo.close()


def directory_user(
    user_id: str, workspace_id: str, role: str = "admin", *, team_ids: tuple[str, ...] = (), **fields: Any
) -> DirectoryUser:
    """A directory entry for tests (version 1, active unless said otherwise)."""
    values: dict[str, Any] = {
        "id": user_id,
        "workspace_id": workspace_id,
        "role": role,
        "team_ids": list(team_ids),
    }
    return DirectoryUser.model_validate({"version": 1, **values, **fields})


async def publish_envelope(
    exchange: aio_pika.abc.AbstractExchange, envelope: Envelope, settings: ServiceSettings
) -> None:
    """Publish ``envelope`` onto ``exchange`` as a service's publisher does: persistent, its event id
    as the message id, and the header that routes it to its partition under ``settings``."""
    headers = partition_header(envelope.routing_key, envelope.payload, envelope.chat_id, settings.partitions)
    message = aio_pika.Message(
        envelope.model_dump_json().encode(),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=dict(headers),
        message_id=envelope.event_id,
    )
    await exchange.publish(message, routing_key=envelope.routing_key)


def domain_errors(module: ModuleType) -> list[type[DomainError]]:
    """The domain errors a service's ``errors`` module defines (not those it imports)."""
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, DomainError) and cls.__module__ == module.__name__
    ]


def http_status_of(module: ModuleType, cls: type[DomainError]) -> int | None:
    """The HTTP status ``module.HTTP_STATUS`` gives ``cls`` (through its nearest mapped base)."""
    statuses: Mapping[type[DomainError], int] = module.HTTP_STATUS
    return next((statuses[c] for c in cls.__mro__ if c in statuses), None)


@contextlib.asynccontextmanager
async def probe_queue(
    settings: ServiceSettings, routing_key: str
) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A queue of the test's own (exclusive, deleted with its connection) bound to ``routing_key`` on
    the events exchange, which a service must have declared."""
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(settings.exchange)
        queue = await channel.declare_queue(f"{settings.queue_prefix}probe-{new_id()}", exclusive=True)
        await queue.bind(exchange, routing_key=routing_key)
        yield queue
