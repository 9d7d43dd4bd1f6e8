"""Bus subscriber of the tag copy: one handler for the ordered queue ``export.catalog``."""

from __future__ import annotations

from livechat_shared.bus import Handler
from livechat_shared.contracts import Envelope, TagChangedV1
from livechat_shared.telemetry import get_logger
from pydantic import ValidationError

from ..errors import MalformedEvent
from .use_cases import TagCopyUseCases

log = get_logger(__name__)


def on_tag_changed(use_cases: TagCopyUseCases) -> Handler:
    async def on_tag_changed(envelope: Envelope) -> None:
        if envelope.routing_key != TagChangedV1.routing_key():
            log.info("event_ignored", routing_key=envelope.routing_key)
            return
        try:
            event = envelope.open(TagChangedV1)
        except ValidationError as exc:
            raise MalformedEvent(errors=exc.error_count()) from exc
        await use_cases.tag_changed(envelope, event)

    return on_tag_changed
