"""Bus subscribers of webchat: an envelope in, one use case called."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import Envelope, OutboundRequestedV1, WebchatMessageStoredV1

from .use_cases import ReplyUseCases


def on_outbound_requested(replies: ReplyUseCases) -> Handler:
    """``ingest.outbound`` (durable): a reply to store for the person and fan out."""

    async def on_outbound_requested(envelope: Envelope) -> None:
        await replies.deliver(envelope.open(OutboundRequestedV1), envelope)

    return on_outbound_requested


def on_webchat_stored(replies: ReplyUseCases) -> Handler:
    """This replica's exclusive queue: push a stored message to the sockets held here."""

    async def on_webchat_stored(envelope: Envelope) -> None:
        await replies.push(envelope.open(WebchatMessageStoredV1), envelope)

    return on_webchat_stored
