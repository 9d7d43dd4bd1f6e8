"""``WS /v1/stream``: an agent's live feed of the chats they may see."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from livechat_shared.web import websocket_user

from .hub import StreamHub

router = APIRouter()


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket, token: str | None = None) -> None:
    user = await websocket_user(websocket, token)
    if user is None:
        await websocket.close(code=1008, reason="invalid_token")
        return
    hub: StreamHub = websocket.app.state.hub
    await websocket.accept()
    hub.add(websocket, user)
    try:
        while True:
            await websocket.receive_text()  # the stream is one-way; reads detect the close
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(websocket)
