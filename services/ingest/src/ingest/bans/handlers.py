"""Bus subscriber of bans at the edge."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import BanChangedV1, Envelope

from .use_cases import EdgeBans


def on_ban_changed(bans: EdgeBans) -> Handler:
    """``ingest.bans`` (durable, in order): keep the copy of the person's ban."""

    async def on_ban_changed(envelope: Envelope) -> None:
        await bans.changed(envelope.open(BanChangedV1), envelope.occurred_at)

    return on_ban_changed
