"""The realtime stream: this replica's agent sockets and the events forwarded to them.

Every inbox replica consumes the chat events on its own exclusive queue and forwards each one to
the sockets of the users allowed to see that chat. Frames carry the chat's ``version``, so a client
drops stale frames and, on a gap, resyncs through ``GET /v1/sync``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import WebSocket
from livechat_shared.auth import ChatScope, Principal, can_see_chat
from livechat_shared.events import ChatChangedV1, Envelope, MessageCreatedV1, MessageUpdatedV1
from livechat_shared.telemetry import get_logger

log = get_logger(__name__)


def frame_for(envelope: Envelope) -> tuple[ChatScope, dict[str, Any]] | None:
    """The scope that decides who may see the event, and the frame sent to them."""
    if envelope.routing_key == ChatChangedV1.routing_key():
        chat = envelope.open(ChatChangedV1).chat
        scope = ChatScope(
            workspace_id=chat.workspace_id, assignee_id=chat.assignee_id, team_ids=chat.team_ids
        )
        return scope, {
            "type": "chat.changed",
            "chat_id": chat.id,
            "version": chat.version,
            "data": chat.model_dump(mode="json"),
        }
    for contract, kind in ((MessageCreatedV1, "message.created"), (MessageUpdatedV1, "message.updated")):
        if envelope.routing_key == contract.routing_key():
            event = envelope.open(contract)
            scope = ChatScope(
                workspace_id=envelope.workspace_id, assignee_id=event.assignee_id, team_ids=event.team_ids
            )
            return scope, {
                "type": kind,
                "chat_id": event.message.chat_id,
                "version": event.chat_version,
                "data": event.message.model_dump(mode="json"),
            }
    return None


class StreamHub:
    def __init__(self) -> None:
        self._sockets: dict[WebSocket, Principal] = {}

    def add(self, ws: WebSocket, user: Principal) -> None:
        self._sockets[ws] = user

    def remove(self, ws: WebSocket) -> None:
        self._sockets.pop(ws, None)

    async def on_event(self, envelope: Envelope) -> None:
        found = frame_for(envelope)
        if found is None:
            return
        scope, frame = found
        targets = [ws for ws, user in list(self._sockets.items()) if can_see_chat(user, scope)]
        await asyncio.gather(*(self._send(ws, frame) for ws in targets))

    async def _send(self, ws: WebSocket, frame: dict[str, Any]) -> None:
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
