"""The inbound acceptor every channel uses: publish with the broker's confirm, then insert the key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ingest.core.inbound import InboundAcceptor
from ingest.errors import BrokerUnavailable
from livechat_shared.contracts import MessageReceivedV1, PersonRef


def received(external_message_id: str = "visitor-1234:cm-1") -> MessageReceivedV1:
    return MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        channel="webchat",
        external_message_id=external_message_id,
        person=PersonRef(external_id="visitor-1234"),
        text="hi",
        received_at=datetime(2025, 3, 14, tzinfo=UTC),
    )


async def test_first_arrival_is_published_then_its_key_inserted(inbound_keys: Any, publisher: Any) -> None:
    acceptor = InboundAcceptor(inbound_keys, publisher)

    assert await acceptor.accept(received(), "ws-1", "corr-1") == "accepted"

    [envelope] = publisher.published
    assert (envelope.workspace_id, envelope.correlation_id) == ("ws-1", "corr-1")
    assert envelope.open(MessageReceivedV1) == received()
    assert list(inbound_keys.stored) == ["app-1:visitor-1234:cm-1"]


async def test_a_repeat_is_a_duplicate_and_is_published_again(inbound_keys: Any, publisher: Any) -> None:
    """The insert is the check; republishing is harmless (the inbox stores a channel message once)."""
    acceptor = InboundAcceptor(inbound_keys, publisher)
    await acceptor.accept(received(), "ws-1")

    assert await acceptor.accept(received(), "ws-1") == "duplicate"
    assert await acceptor.accept(received("visitor-1234:cm-2"), "ws-1") == "accepted"
    assert len(publisher.published) == 3
    assert sorted(inbound_keys.stored) == ["app-1:visitor-1234:cm-1", "app-1:visitor-1234:cm-2"]


async def test_unconfirmed_publish_stores_no_key(inbound_keys: Any, publisher: Any) -> None:
    acceptor = InboundAcceptor(inbound_keys, publisher)
    publisher.down = True

    with pytest.raises(BrokerUnavailable):
        await acceptor.accept(received(), "ws-1")
    assert inbound_keys.stored == {}

    publisher.down = False  # the channel retries once the broker is back
    assert await acceptor.accept(received(), "ws-1") == "accepted"
