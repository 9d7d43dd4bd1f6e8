"""Processes of a local stack, used by the ``livechat run`` command and by the end-to-end tests:
the embedded MongoDB-compatible server and the service processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from pymongo import MongoClient

SERVICES: dict[str, int] = {
    "inbox": 8082,
    "assignment": 8083,
    "export": 8084,
    "aiagent": 8085,
    "ingest": 8081,
}
"""Every service and its default port, in start order (consumers before the edge)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def _executable(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed in this environment")
    return found


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    env: Mapping[str, str] = field(default_factory=dict)
    log: IO[bytes] | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.argv,
            env={**os.environ, **self.env},
            stdout=self.log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self.log else subprocess.DEVNULL,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """``kill -9``: what a crash looks like."""
        if self.alive():
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait()


class EmbeddedMongo(ManagedProcess):
    """The MongoDB wire-compatible embedded server (SecantusDB), as its own process."""

    def __init__(self, storage_path: Path, port: int | None = None, log: IO[bytes] | None = None) -> None:
        self.port = port or free_port()
        storage_path.mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable,
            "-m",
            "livechat_dev.embedded_mongo",
            "--port",
            str(self.port),
            "--storage-path",
            str(storage_path),
        ]
        super().__init__("mongodb", argv, log=log)

    @property
    def url(self) -> str:
        # retryWrites=false: the embedded server's bookkeeping of retryable writes grows with every
        # write and slows it down as data accumulates; writes that matter run in transactions
        # (retried whole by the driver) or are idempotent. A real MongoDB keeps the driver's defaults.
        return f"mongodb://127.0.0.1:{self.port}/?retryWrites=false"

    def start(self, timeout: float = 60.0) -> None:
        super().start()

        def ready() -> bool:
            if not self.alive():
                raise RuntimeError("the embedded MongoDB server exited at start-up")
            try:
                client: MongoClient[dict[str, Any]]
                with MongoClient(self.url, serverSelectionTimeoutMS=500) as client:
                    client.admin.command("ping")
                return True
            except Exception:
                return False

        wait_until(ready, timeout, "the embedded MongoDB server")


class ServiceProcess(ManagedProcess):
    def __init__(self, service: str, port: int, env: Mapping[str, str], log: IO[bytes] | None = None) -> None:
        self.port = port
        super().__init__(
            service,
            [_executable(f"livechat-{service}")],
            env={**env, "LIVECHAT_PORT": str(port), "LIVECHAT_HOST": "127.0.0.1"},
            log=log,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready() -> bool:
            if not self.alive():
                raise RuntimeError(f"livechat-{self.name} exited at start-up")
            try:
                return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, timeout, f"livechat-{self.name} to become ready", interval=0.2)


def amqp_reachable(url: str, timeout: float = 5.0) -> str | None:
    """``None`` when RabbitMQ answers at ``url``; otherwise the reason, for a clear message."""
    import asyncio

    import aio_pika

    async def probe() -> None:
        connection = await aio_pika.connect(url, timeout=timeout)
        await connection.close()

    try:
        asyncio.run(asyncio.wait_for(probe(), timeout + 1))
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
