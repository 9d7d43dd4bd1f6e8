"""Bus subscriber of the stream: each event this replica receives goes to its allowed sockets."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import Envelope, UserChangedV1

from .hub import StreamHub
from .rules import frame_for, left_frame


def on_chat_event(hub: StreamHub) -> Handler:
    async def on_chat_event(envelope: Envelope) -> None:
        if envelope.routing_key == UserChangedV1.routing_key():
            await hub.user_changed(envelope.open(UserChangedV1).user)
            return
        found = frame_for(envelope)
        if found is not None:
            await hub.send(*found, left=left_frame(envelope))

    return on_chat_event
