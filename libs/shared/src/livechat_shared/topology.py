"""The bus topology as data: the durable queues of the suite and the routing keys bound to them.

One durable topic exchange carries every domain event. Each consuming service owns durable
**quorum** queues named ``<consumer>.<purpose>``; every service declares the whole durable topology at
start-up (declarations are idempotent), so no event is published into the void because its
consumer happened to start later. That is why the table lives here: each service needs all of it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .contracts import (
    AiReplyCreatedV1,
    BanChangedV1,
    ChatAssignedV1,
    ChatChangedV1,
    ChatClosedV1,
    ChatDeletedV1,
    ChatHandedOffV1,
    ChatPlacementChangedV1,
    ChatUnassignedV1,
    ConnectorMessageV1,
    DeliveryUpdatedV1,
    FeedbackCollectedV1,
    MessageCreatedV1,
    MessageReceivedV1,
    MessageUpdatedV1,
    OutboundRequestedV1,
    TagChangedV1,
    TeamspaceSettingsChangedV1,
    UserChangedV1,
)


@dataclass(frozen=True)
class QueueSpec:
    """A durable queue a service consumes from, and the routing keys bound to it."""

    name: str
    routing_keys: tuple[str, ...]
    ordered: bool = False
    """Apply messages strictly in queue order: one active consumer at a time (single active consumer)
    taking one message at a time. Order is kept across replicas and crashes."""
    partitions: int = 0
    """With ``ordered``: the queue is ``partitions`` queues ``<name>.p<i>``, and each message goes to
    the partition its key (:data:`PARTITION_KEYS`) hashes to — the same key, the same partition, so
    one key's messages keep their order while different keys are applied concurrently. The
    partitions are shared out among the consumer's replicas (``livechat_shared.partitions``)."""

    def sized(self, partitions: int) -> QueueSpec:
        """This queue with ``partitions`` partitions when it is partitioned and ``partitions`` is set
        (the ``partitions`` setting); itself otherwise."""
        if not self.partitions or not partitions:
            return self
        return QueueSpec(self.name, self.routing_keys, ordered=self.ordered, partitions=partitions)

    @property
    def partition_names(self) -> tuple[str, ...]:
        """The physical queues: ``<name>.p0`` … or the one queue ``<name>``."""
        return tuple(f"{self.name}.p{i}" for i in range(self.partitions)) or (self.name,)


# Inbound messages keep the order each person sent them in, whatever the number of inbox replicas,
# while different people's messages are applied concurrently: one ordered queue per partition,
# a person's messages always in the same partition.
INBOX_INBOUND = QueueSpec("inbox.inbound", (MessageReceivedV1.routing_key(),), ordered=True, partitions=16)
INBOX_DELIVERIES = QueueSpec("inbox.deliveries", (DeliveryUpdatedV1.routing_key(),))
INGEST_OUTBOUND = QueueSpec("ingest.outbound", (OutboundRequestedV1.routing_key(),))
# Messages that external channel connectors publish straight to the bus, in the order they sent them.
INGEST_CONNECTOR = QueueSpec("ingest.connector", (ConnectorMessageV1.routing_key(),), ordered=True)
# The channel edge's copy of the active bans: a banned person's messages stop at ingest.
INGEST_BANS = QueueSpec("ingest.bans", (BanChangedV1.routing_key(),), ordered=True)
# The inbox's copy of the teamspaces' chat rules (reply-time limit, tags to resolve).
INBOX_TEAMSPACES = QueueSpec("inbox.teamspaces", (TeamspaceSettingsChangedV1.routing_key(),))

# What the AI agent says or decides on a chat, for the inbox to store: its answers, its handoffs and
# the ratings it collects. One chat's events keep their order (a handoff after the answer before it).
INBOX_AI = QueueSpec(
    "inbox.ai",
    (AiReplyCreatedV1.routing_key(), ChatHandedOffV1.routing_key(), FeedbackCollectedV1.routing_key()),
    ordered=True,
    partitions=8,
)
# Routing's decisions, for the inbox to apply to its chats.
INBOX_ASSIGNMENTS = QueueSpec(
    "inbox.assignments",
    (ChatAssignedV1.routing_key(), ChatUnassignedV1.routing_key()),
    ordered=True,
    partitions=8,
)
# Chats waiting for an agent or changing hands, in each chat's order, for routing and capacity.
ASSIGNMENT_CHATS = QueueSpec(
    "assignment.chats",
    (ChatPlacementChangedV1.routing_key(), ChatDeletedV1.routing_key()),
    ordered=True,
    partitions=8,
)
# The AI agent's conversations: the messages of its chats (it answers the person's) and closed chats
# (it asks for a rating), each chat's in order.
AIAGENT_CONVERSATIONS = QueueSpec(
    "aiagent.conversations",
    (MessageCreatedV1.routing_key(), ChatClosedV1.routing_key(), ChatDeletedV1.routing_key()),
    ordered=True,
    partitions=8,
)

# The export service's read model of the chats: each chat's snapshots, messages and deletion, applied
# in the chat's order (a deletion is never overtaken by an older snapshot or message of the chat).
EXPORT_CHATS = QueueSpec(
    "export.chats",
    (
        ChatChangedV1.routing_key(),
        MessageCreatedV1.routing_key(),
        MessageUpdatedV1.routing_key(),
        ChatDeletedV1.routing_key(),
    ),
    ordered=True,
    partitions=8,
)

# The export service's copy of the inbox's tags and the group each is in, so an export's ``tag_group``
# filter names the tags the inbox's table would. Each event carries its tag's version, so the copy
# keeps the newest whatever the order; the queue applies them in order all the same.
EXPORT_CATALOG = QueueSpec("export.catalog", (TagChangedV1.routing_key(),), ordered=True)

# Every service but assignment keeps a copy of the directory, to authorise requests (see
# ``livechat_shared.directory``); each copy is fed by a queue of its own.
INGEST_DIRECTORY = QueueSpec("ingest.directory", (UserChangedV1.routing_key(),))
INBOX_DIRECTORY = QueueSpec("inbox.directory", (UserChangedV1.routing_key(),))
EXPORT_DIRECTORY = QueueSpec("export.directory", (UserChangedV1.routing_key(),))
AIAGENT_DIRECTORY = QueueSpec("aiagent.directory", (UserChangedV1.routing_key(),))


def _by_chat(payload: dict[str, Any], chat_id: str | None) -> str:
    return chat_id or ""


PARTITION_KEYS: Mapping[str, Callable[[dict[str, Any], str | None], str]] = {
    # One person on one app: their messages stay in order.
    MessageReceivedV1.routing_key(): lambda p, _: f"{p['app_id']}:{p['person']['external_id']}",
    # One chat's events stay in order.
    **{
        contract.routing_key(): _by_chat
        for contract in (
            AiReplyCreatedV1,
            ChatHandedOffV1,
            FeedbackCollectedV1,
            ChatAssignedV1,
            ChatUnassignedV1,
            ChatPlacementChangedV1,
            ChatDeletedV1,
            MessageCreatedV1,
            ChatClosedV1,
            ChatChangedV1,
            MessageUpdatedV1,
        )
    },
}
"""For the events that partitioned queues receive: the key that picks the partition, from the payload
and the envelope's chat id."""

# Not "x-…": RabbitMQ ignores headers starting with "x-" when it matches a headers binding.
PARTITION_HEADER = "livechat-partition"


def partition_of(key: str, partitions: int) -> int:
    """A stable partition for ``key`` (the same in every process and version)."""
    return zlib.crc32(key.encode()) % partitions


def partition_header(
    routing_key: str, payload: dict[str, Any], chat_id: str | None = None, partitions: int = 0
) -> dict[str, str]:
    """The header that routes an event to its partition in every partitioned queue bound to it."""
    key_of = PARTITION_KEYS.get(routing_key)
    counts = {
        spec.partitions for spec in DURABLE_QUEUES if spec.partitions and routing_key in spec.routing_keys
    }
    if key_of is None or not counts:
        return {}
    (count,) = counts  # every partitioned queue of an event has the same number of partitions
    count = partitions or count  # the installation's ``partitions`` setting, when set
    return {PARTITION_HEADER: str(partition_of(key_of(payload, chat_id), count))}


DURABLE_QUEUES: tuple[QueueSpec, ...] = (
    INBOX_INBOUND,
    INBOX_DELIVERIES,
    INBOX_TEAMSPACES,
    INGEST_OUTBOUND,
    INGEST_BANS,
    INGEST_CONNECTOR,
    INGEST_DIRECTORY,
    INBOX_DIRECTORY,
    EXPORT_DIRECTORY,
    AIAGENT_DIRECTORY,
    INBOX_AI,
    INBOX_ASSIGNMENTS,
    ASSIGNMENT_CHATS,
    AIAGENT_CONVERSATIONS,
    EXPORT_CHATS,
    EXPORT_CATALOG,
)
"""Every durable queue of the suite: consumer queue -> the event keys it needs."""
