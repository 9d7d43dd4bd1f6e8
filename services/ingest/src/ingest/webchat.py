"""Live webchat connections of this replica: who is connected, and pushing messages to them.

Every ingest replica receives every outbound event on its own exclusive queue and pushes to the
sockets it holds; the durable mailbox covers people who are not connected anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from typing import Any

from fastapi import WebSocket
from livechat_shared.telemetry import get_logger

log = get_logger(__name__)


class WebchatHub:
    def __init__(self) -> None:
        self._sockets: dict[tuple[str, str], set[WebSocket]] = defaultdict(set)

    def add(self, app_id: str, visitor_id: str, ws: WebSocket) -> None:
        self._sockets[(app_id, visitor_id)].add(ws)

    def remove(self, app_id: str, visitor_id: str, ws: WebSocket) -> None:
        key = (app_id, visitor_id)
        self._sockets[key].discard(ws)
        if not self._sockets[key]:
            del self._sockets[key]

    async def push(self, app_id: str, visitor_id: str, frame: dict[str, Any]) -> int:
        sockets = list(self._sockets.get((app_id, visitor_id), ()))
        results = await asyncio.gather(*(self._send(ws, frame) for ws in sockets))
        return sum(results)

    async def _send(self, ws: WebSocket, frame: dict[str, Any]) -> bool:
        try:
            await asyncio.wait_for(ws.send_json(frame), timeout=5)
            return True
        except Exception as exc:
            log.info("webchat_push_failed", error=type(exc).__name__)
            with contextlib.suppress(Exception):
                await ws.close(code=1011)
            return False

    async def close_all(self) -> None:
        for sockets in list(self._sockets.values()):
            for ws in list(sockets):
                with contextlib.suppress(Exception):
                    await ws.close(code=1001)
