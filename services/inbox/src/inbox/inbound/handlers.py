"""Bus subscribers of the inbound feature."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import Envelope, MessageReceivedV1

from .use_cases import InboundUseCases


def on_message_received(use_cases: InboundUseCases) -> Handler:
    async def on_message_received(envelope: Envelope) -> None:
        await use_cases.receive(envelope, envelope.open(MessageReceivedV1))

    return on_message_received
