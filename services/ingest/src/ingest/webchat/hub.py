"""Live webchat connections of this replica: who is connected, and pushing messages to them.

Every ingest replica receives every stored webchat message on its own exclusive queue and pushes
it to the sockets it holds; the durable mailbox covers people who are not connected anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from typing import Any, Protocol

from livechat_shared.telemetry import get_logger

log = get_logger(__name__)


class Socket(Protocol):
    """What the hub needs of a person's WebSocket."""

    async def send_json(self, data: Any) -> None: ...

    async def close(self, code: int = 1000) -> None: ...


class WebchatHub:
    def __init__(self) -> None:
        self._sockets: dict[tuple[str, str], set[Socket]] = defaultdict(set)

    def add(self, app_id: str, visitor_id: str, socket: Socket) -> None:
        self._sockets[(app_id, visitor_id)].add(socket)

    def remove(self, app_id: str, visitor_id: str, socket: Socket) -> None:
        key = (app_id, visitor_id)
        self._sockets[key].discard(socket)
        if not self._sockets[key]:
            del self._sockets[key]

    async def push(self, app_id: str, visitor_id: str, frame: dict[str, Any]) -> int:
        """Send ``frame`` to the visitor's sockets here; how many took it."""
        sockets = list(self._sockets.get((app_id, visitor_id), ()))
        results = await asyncio.gather(*(self._send(socket, frame) for socket in sockets))
        return sum(results)

    async def _send(self, socket: Socket, frame: dict[str, Any]) -> bool:
        try:
            await asyncio.wait_for(socket.send_json(frame), timeout=5)
            return True
        except Exception as exc:
            log.info("webchat_push_failed", error=type(exc).__name__)
            with contextlib.suppress(Exception):
                await socket.close(code=1011)
            return False

    async def close_all(self) -> None:
        for sockets in list(self._sockets.values()):
            for socket in list(sockets):
                with contextlib.suppress(Exception):
                    await socket.close(code=1001)
