"""The agents' sockets: N ``WS /v1/stream`` connections in one event loop, recording when each one
receives a ``chat.changed`` frame of the chat under test, by version."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .figures import frame_head

CHAT_CHANGED = "chat.changed"


class AgentSockets:
    """Every socket, each read by its own task. A frame's head (type, chat id, version) is read
    without decoding its data; only ``chat.changed`` frames of ``chat_id`` are recorded (first
    arrival per socket and version; later copies are duplicates), the others are only counted."""

    def __init__(self, urls: Sequence[str], chat_id: str) -> None:
        self.urls = list(urls)
        self.chat_id = chat_id
        self.arrivals: dict[int, dict[int, float]] = {}
        """version → socket index → ``time.perf_counter()`` of the frame's first arrival."""
        self.duplicates: Counter[int] = Counter()
        """version → copies received after a socket's first."""
        self.other_frames: Counter[str] = Counter()
        """Frames that are not a ``chat.changed`` of the chat, by type."""
        self.open: set[int] = set()
        self.closed: dict[int, str] = {}
        self._connections: dict[int, ClientConnection] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._watch: int | None = None
        self._done = asyncio.Event()

    async def connect_all(
        self,
        *,
        concurrency: int = 50,
        open_timeout: float = 30.0,
        progress: Callable[[int], Any] | None = None,
    ) -> float:
        """Open every socket (``concurrency`` handshakes at a time); the seconds it took. Raises
        when one cannot be opened."""
        slots = asyncio.Semaphore(concurrency)
        start = time.perf_counter()

        async def one(index: int) -> None:
            async with slots:
                ws = await connect(
                    self.urls[index],
                    open_timeout=open_timeout,
                    ping_interval=None,  # the server pings; 1000 client pings would be noise
                    compression=None,
                    max_size=None,
                    close_timeout=2,
                )
            self._connections[index] = ws
            self.open.add(index)
            self._tasks.append(asyncio.create_task(self._read(index, ws)))
            if progress is not None and len(self.open) % 250 == 0:
                progress(len(self.open))

        results = await asyncio.gather(*(one(i) for i in range(len(self.urls))), return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise RuntimeError(
                f"{len(failed)} of {len(self.urls)} sockets could not be opened; the first: {failed[0]!r}"
            )
        return time.perf_counter() - start

    async def _read(self, index: int, ws: ClientConnection) -> None:
        chat_id = self.chat_id
        arrivals = self.arrivals
        try:
            async for raw in ws:
                now = time.perf_counter()
                kind, chat, version = frame_head(raw)
                if kind != CHAT_CHANGED or chat != chat_id or version is None:
                    self.other_frames[kind or "?"] += 1
                    continue
                got = arrivals.get(version)
                if got is None:
                    got = arrivals[version] = {}
                if index in got:
                    self.duplicates[version] += 1
                    continue
                got[index] = now
                if version == self._watch and len(got) >= len(self.open) and self.open <= got.keys():
                    self._done.set()
            self.closed[index] = f"closed by the server ({ws.close_code} {ws.close_reason})"
        except ConnectionClosed as exc:
            self.closed[index] = f"closed ({exc})"
        finally:
            self.open.discard(index)
            self._done.set()  # the waiter checks again: fewer sockets to wait for

    def complete(self, version: int) -> bool:
        """Every open socket has this version's frame."""
        return self.open <= self.arrivals.get(version, {}).keys()

    async def wait_for(self, version: int, within: float) -> bool:
        """Wait until every open socket has the frame of ``version`` (or ``within`` seconds pass);
        True when they all have it."""
        self._watch = version
        deadline = time.perf_counter() + within
        try:
            while not self.complete(version):
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    return False
                self._done.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._done.wait(), remaining)
            return True
        finally:
            self._watch = None

    def delays(self, version: int, since: float) -> list[float | None]:
        """Per socket: seconds from ``since`` to the arrival of the frame of ``version``, or ``None``."""
        got = self.arrivals.get(version, {})
        return [got[i] - since if i in got else None for i in range(len(self.urls))]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._tasks, return_exceptions=True)
        connections = list(self._connections.values())
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True), 15
            )
        # Whatever did not close cleanly in time is dropped.
        for ws in connections:
            with contextlib.suppress(Exception):
                ws.transport.abort()

    async def __aenter__(self) -> AgentSockets:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
