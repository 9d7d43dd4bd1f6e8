"""Accepting a person's message from any channel: publish it, then remember it was accepted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from livechat_shared.contracts import Envelope, MessageReceivedV1
from livechat_shared.ids import utcnow
from livechat_shared.telemetry import get_logger

from .models import InboundKey, inbound_key_id
from .publishing import Publisher

log = get_logger(__name__)

Acceptance = Literal["accepted", "duplicate", "banned"]
"""``banned``: the person is banned; the message stopped here (nothing published or stored)."""


class BanCheck(Protocol):
    def stops(self, app_id: str, external_id: str, channel: str) -> bool:
        """Whether the person is banned now (their message stops at the edge)."""
        ...


class InboundKeys(Protocol):
    async def insert(self, key: InboundKey) -> bool:
        """Store the key; False when it was stored before (the insert hit the unique ``_id``)."""
        ...


@dataclass
class InboundAcceptor:
    """Every channel hands its normalised messages to :meth:`accept`.

    The event is published first, with the broker's confirm; only then is the dedup key
    ``{_id: "<app_id>:<external_message_id>", at}`` inserted. The insert is the check: ``_id`` is
    unique, so a key that is already there (a duplicate-key error) means the message was accepted
    before, and the answer is "duplicate". There is no find-then-insert to race.

    A repeat is therefore published again. That is harmless: the inbox stores each channel message
    once (a unique index on the same natural key). A crash between the publish and the insert
    loses nothing: the event is on the broker and a retry by the channel publishes it again. When
    the broker does not confirm, :class:`~ingest.errors.BrokerUnavailable` propagates and no key is
    stored, so the channel's retry is accepted later.

    This insert is the one database round trip a person's message costs in the steady state: the
    app and the webchat session are read from the repositories' per-process caches, and the rate
    limits are counted locally and written in batches (``livechat_shared.ratelimit``). A test reads
    it off ``/metrics`` (``tests/integration/test_round_trips.py``).
    """

    keys: InboundKeys
    publisher: Publisher
    bans: BanCheck | None = None
    """A banned person's message stops before anything is published (checked in memory)."""

    async def accept(
        self, received: MessageReceivedV1, workspace_id: str, correlation_id: str | None = None
    ) -> Acceptance:
        if self.bans is not None and self.bans.stops(
            received.app_id, received.person.external_id, received.channel
        ):
            return "banned"
        envelope = Envelope.wrap(received, workspace_id=workspace_id, correlation_id=correlation_id)
        await self.publisher.publish(envelope)
        key = InboundKey(id=inbound_key_id(received.app_id, received.external_message_id), at=utcnow())
        if not await self.keys.insert(key):
            log.info("message_repeated", app_id=received.app_id, event_id=envelope.event_id)
            return "duplicate"
        log.info("message_accepted", app_id=received.app_id, event_id=envelope.event_id)
        return "accepted"
