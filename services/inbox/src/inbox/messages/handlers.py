"""Bus subscribers of the messages feature."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import DeliveryUpdatedV1, Envelope

from .use_cases import MessageUseCases


def on_delivery_updated(use_cases: MessageUseCases) -> Handler:
    async def on_delivery_updated(envelope: Envelope) -> None:
        await use_cases.delivery_updated(envelope, envelope.open(DeliveryUpdatedV1))

    return on_delivery_updated
