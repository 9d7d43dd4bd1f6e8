"""This replica's agent sockets, and sending a frame to those allowed to see it."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import WebSocket
from livechat_shared.auth import ChatScope, Principal, can_see_chat
from livechat_shared.telemetry import get_logger

from .rules import Frame

log = get_logger(__name__)


class StreamHub:
    def __init__(self) -> None:
        self._sockets: dict[WebSocket, Principal] = {}

    def add(self, ws: WebSocket, user: Principal) -> None:
        self._sockets[ws] = user

    def remove(self, ws: WebSocket) -> None:
        self._sockets.pop(ws, None)

    async def send(self, scope: ChatScope, frame: Frame) -> None:
        targets = [ws for ws, user in list(self._sockets.items()) if can_see_chat(user, scope)]
        await asyncio.gather(*(self._send(ws, frame) for ws in targets))

    async def _send(self, ws: WebSocket, frame: Frame) -> None:
        try:
            await asyncio.wait_for(ws.send_json(frame), timeout=5)
        except Exception as exc:  # a slow or dead client must not hold the others back
            log.info("stream_send_failed", error=type(exc).__name__)
            self.remove(ws)
            with contextlib.suppress(Exception):
                await ws.close(code=1011)

    async def close_all(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001)
        self._sockets.clear()
