"""Bus subscriber of the channels: messages external connectors publish straight to the bus."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import ConnectorMessageV1, Envelope

from .use_cases import ChannelUseCases


def on_connector_message(channels: ChannelUseCases) -> Handler:
    """``ingest.connector`` (durable, in order): accept a connector's message like the API channel's."""

    async def on_connector_message(envelope: Envelope) -> None:
        await channels.connector_message(envelope.workspace_id, envelope.open(ConnectorMessageV1))

    return on_connector_message
