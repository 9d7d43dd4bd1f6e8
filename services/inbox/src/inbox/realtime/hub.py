"""This replica's agent sockets, and sending a frame to those allowed to see it."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import WebSocket
from livechat_shared.auth import ChatScope, Principal, can_see_chat
from livechat_shared.contracts import DirectoryUser
from livechat_shared.ids import utcnow
from livechat_shared.telemetry import get_logger

from .rules import CloseCode, Frame, refreshed

log = get_logger(__name__)


class StreamHub:
    """Each socket with the user it serves. A socket is closed when its token expires
    (``TOKEN_EXPIRED``) or when the directory says the user may no longer connect (``ACCESS_REVOKED``);
    a change of role or teams applies to the next frame."""

    def __init__(self) -> None:
        self._sockets: dict[WebSocket, Principal] = {}
        self._expiry: dict[WebSocket, asyncio.TimerHandle] = {}

    def add(self, ws: WebSocket, user: Principal) -> None:
        self._sockets[ws] = user
        if user.expires_at is not None:
            delay = max(0.0, (user.expires_at - utcnow()).total_seconds())
            self._expiry[ws] = asyncio.get_running_loop().call_later(
                delay, lambda: asyncio.ensure_future(self.close(ws, CloseCode.TOKEN_EXPIRED, "token_expired"))
            )

    def remove(self, ws: WebSocket) -> None:
        self._sockets.pop(ws, None)
        handle = self._expiry.pop(ws, None)
        if handle is not None:
            handle.cancel()

    def user(self, ws: WebSocket) -> Principal | None:
        return self._sockets.get(ws)

    async def close(self, ws: WebSocket, code: int, reason: str) -> None:
        self.remove(ws)
        with contextlib.suppress(Exception):
            await ws.close(code=code, reason=reason)

    async def user_changed(self, user: DirectoryUser) -> None:
        """Apply a directory change to this user's sockets."""
        for ws, current in list(self._sockets.items()):
            if current.user_id != user.id:
                continue
            updated = refreshed(current, user)
            if updated is None:
                await self.close(ws, CloseCode.ACCESS_REVOKED, "access_revoked")
            elif ws in self._sockets:
                self._sockets[ws] = updated

    async def send(self, scope: ChatScope, frame: Frame, left: tuple[ChatScope, Frame] | None = None) -> None:
        """``frame`` to the sockets whose user may see ``scope``; with ``left`` (the chat's scope
        before it moved, and a ``chat.removed`` frame), that frame to those who could see it before
        and cannot now."""
        sends = []
        for ws, user in list(self._sockets.items()):
            if can_see_chat(user, scope):
                sends.append(self._send(ws, frame))
            elif left is not None and can_see_chat(user, left[0]):
                sends.append(self._send(ws, left[1]))
        await asyncio.gather(*sends)

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
            await self.close(ws, 1001, "going_away")
