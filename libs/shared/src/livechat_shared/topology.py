"""The bus topology as data: the durable queues of the suite and the routing keys bound to them.

One durable topic exchange carries every domain event. Each consuming service owns durable
**quorum** queues named ``<consumer>.<purpose>``; every service declares the whole durable topology at
start-up (declarations are idempotent), so no event is published into the void because its
consumer happened to start later. That is why the table lives here: each service needs all of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .contracts import DeliveryUpdatedV1, MessageReceivedV1, OutboundRequestedV1, UserChangedV1


@dataclass(frozen=True)
class QueueSpec:
    """A durable queue a service consumes from, and the routing keys bound to it."""

    name: str
    routing_keys: tuple[str, ...]
    ordered: bool = False
    """Apply messages strictly in queue order: one active consumer at a time (the other replicas
    wait as hot standbys) taking one message at a time. Order is kept across replicas and crashes,
    at the price of one consumer's throughput for this queue."""


# Inbound messages keep the order people sent them in, whatever the number of inbox replicas; the
# way to more throughput is partitioning by person (a consistent-hash exchange), not more consumers.
INBOX_INBOUND = QueueSpec("inbox.inbound", (MessageReceivedV1.routing_key(),), ordered=True)
INBOX_DELIVERIES = QueueSpec("inbox.deliveries", (DeliveryUpdatedV1.routing_key(),))
INGEST_OUTBOUND = QueueSpec("ingest.outbound", (OutboundRequestedV1.routing_key(),))

# Every service but assignment keeps a copy of the directory, to authorise requests (see
# ``livechat_shared.directory``); each copy is fed by a queue of its own.
INGEST_DIRECTORY = QueueSpec("ingest.directory", (UserChangedV1.routing_key(),))
INBOX_DIRECTORY = QueueSpec("inbox.directory", (UserChangedV1.routing_key(),))
EXPORT_DIRECTORY = QueueSpec("export.directory", (UserChangedV1.routing_key(),))
AIAGENT_DIRECTORY = QueueSpec("aiagent.directory", (UserChangedV1.routing_key(),))

DURABLE_QUEUES: tuple[QueueSpec, ...] = (
    INBOX_INBOUND,
    INBOX_DELIVERIES,
    INGEST_OUTBOUND,
    INGEST_DIRECTORY,
    INBOX_DIRECTORY,
    EXPORT_DIRECTORY,
    AIAGENT_DIRECTORY,
)
"""Every durable queue of the suite: consumer queue -> the event keys it needs."""
