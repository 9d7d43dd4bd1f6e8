"""The bus: broker factory, topology declaration, the publisher and the consumers.

The topology itself is data (``livechat_shared.topology``). Every durable queue gets a delivery
limit and a dead-letter exchange, so a message that keeps failing ends in ``<queue>.dlq`` instead of
looping.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import aiormq
import structlog
from faststream import AckPolicy
from faststream.exceptions import RejectMessage
from faststream.message import StreamMessage
from faststream.rabbit import Channel, ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from faststream.rabbit.subscriber import RabbitSubscriber
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import ValidationError

from .contracts import Envelope
from .errors import DomainError
from .settings import ServiceSettings
from .telemetry import Telemetry, get_logger
from .topology import DURABLE_QUEUES, PARTITION_HEADER, QueueSpec, partition_header

log = get_logger(__name__)


def events_exchange(settings: ServiceSettings) -> RabbitExchange:
    return RabbitExchange(settings.exchange, type=ExchangeType.TOPIC, durable=True)


def queue_name(settings: ServiceSettings, spec: QueueSpec) -> str:
    """The queue's name (for a partitioned queue, the prefix of its partitions' names)."""
    return f"{settings.queue_prefix}{spec.name}"


def queue_names(settings: ServiceSettings, spec: QueueSpec) -> tuple[str, ...]:
    """The physical queues of ``spec``: its partitions, or the one queue."""
    return tuple(f"{settings.queue_prefix}{name}" for name in spec.sized(settings.partitions).partition_names)


def partition_exchange(settings: ServiceSettings, spec: QueueSpec) -> str:
    """The headers exchange that spreads a partitioned queue's events over its partitions."""
    return f"{settings.exchange}.{spec.name}"


def durable_queue(settings: ServiceSettings, spec: QueueSpec, name: str | None = None) -> RabbitQueue:
    name = name or queue_name(settings, spec)
    return RabbitQueue(
        name,
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=spec.routing_keys[0],
        arguments={
            "x-dead-letter-exchange": settings.dead_letter_exchange,
            "x-dead-letter-routing-key": name,
            "x-delivery-limit": settings.delivery_limit,
            **({"x-single-active-consumer": True} if spec.ordered else {}),
        },
    )


def dead_letter_queue(settings: ServiceSettings, name: str) -> RabbitQueue:
    return RabbitQueue(f"{name}.dlq", queue_type=QueueType.QUORUM, durable=True, routing_key=name)


class BusMetrics:
    """What ``/metrics`` says of the bus: messages handled per queue and outcome, handling time, and
    events published per routing key and outcome. Counted by :class:`Consumers` and
    :class:`EventPublisher` themselves: FastStream's Prometheus middleware cost more CPU per message
    than the rest of a handler's bookkeeping together."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.handled = Counter(
            "livechat_bus_handled_messages",
            "Bus messages handled, by queue and outcome (ack, reject, retry, error)",
            ["queue", "outcome"],
            registry=registry,
        )
        self.handle_seconds = Histogram(
            "livechat_bus_handle_seconds",
            "Time to handle one bus message, by queue",
            ["queue"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
        )
        self.published = Counter(
            "livechat_bus_published_messages",
            "Events published with the broker's confirm, by routing key and outcome (ok, failed)",
            ["routing_key", "outcome"],
            registry=registry,
        )


def create_broker(settings: ServiceSettings, telemetry: Telemetry) -> RabbitBroker:
    """A broker with publisher confirms and nack-on-error (so the delivery limit applies); spans for
    every message when tracing is on (``settings.tracing_enabled``).

    FastStream's dependency injection is off (``apply_types=False``): handlers take the raw body and
    decode the envelope themselves, so a message costs no model-building and no thread hop."""
    tracing = [RabbitTelemetryMiddleware(tracer_provider=telemetry.tracer_provider)]
    return RabbitBroker(
        settings.amqp_url,
        default_channel=Channel(prefetch_count=settings.prefetch, publisher_confirms=True),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        middlewares=tracing if settings.tracing_enabled else [],
        apply_types=False,
        app_id=f"livechat-{settings.service_name}",
        fail_fast=False,
        reconnect_interval=2.0,
        graceful_timeout=10.0,
        logger=None,
    )


class TopologyMismatchError(RuntimeError):
    """A queue on the broker was declared with other arguments (an older or newer version)."""


async def declare_topology(settings: ServiceSettings) -> None:
    """Declare the exchange, the dead-letter exchange and every durable queue with its bindings.

    It uses a connection of its own: FastStream caches declared queues by name, and a queue declared
    here through the broker would be consumed on this channel instead of the subscriber's own (an
    ordered queue would lose its prefetch of 1).
    """
    connection = await aio_pika.connect(settings.amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            settings.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        dlx = await channel.declare_exchange(
            settings.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True
        )
        for spec in DURABLE_QUEUES:
            if spec.partitions:
                await _declare_partitions(settings, channel, exchange, dlx, spec)
                continue
            name = queue_name(settings, spec)
            await _declare_queue(channel, dead_letter_queue(settings, name), dlx, routing_keys=(name,))
            await _declare_queue(
                channel, durable_queue(settings, spec), exchange, routing_keys=spec.routing_keys
            )


async def _declare_partitions(
    settings: ServiceSettings,
    channel: aio_pika.abc.AbstractChannel,
    events: aio_pika.abc.AbstractExchange,
    dlx: aio_pika.abc.AbstractExchange,
    spec: QueueSpec,
) -> None:
    """``spec``'s events go from the events exchange to a headers exchange that routes each to the
    partition named in its ``livechat-partition`` header; an event without one goes to partition 0 (through
    the headers exchange's alternate exchange), so nothing is dropped."""
    name = partition_exchange(settings, spec)
    fallback = await channel.declare_exchange(f"{name}.unkeyed", aio_pika.ExchangeType.FANOUT, durable=True)
    spread = await channel.declare_exchange(
        name, aio_pika.ExchangeType.HEADERS, durable=True, arguments={"alternate-exchange": fallback.name}
    )
    for key in spec.routing_keys:
        await spread.bind(events, routing_key=key)
    for index, physical in enumerate(queue_names(settings, spec)):
        await _declare_queue(channel, dead_letter_queue(settings, physical), dlx, routing_keys=(physical,))
        queue = await _declare_queue(
            channel, durable_queue(settings, spec, physical), spread, routing_keys=()
        )
        await queue.bind(spread, arguments={"x-match": "all", PARTITION_HEADER: str(index)})
        if index == 0:
            await queue.bind(fallback)


async def _declare_queue(
    channel: aio_pika.abc.AbstractChannel,
    spec: RabbitQueue,
    source: aio_pika.abc.AbstractExchange,
    routing_keys: tuple[str, ...],
) -> aio_pika.abc.AbstractQueue:
    try:
        queue = await channel.declare_queue(spec.name, durable=True, arguments=spec.arguments)
    except aiormq.exceptions.ChannelPreconditionFailed as exc:
        raise TopologyMismatchError(
            f"queue {spec.name!r} exists with other arguments than this version declares "
            f"({spec.arguments}); drain it and delete it (rabbitmqctl delete_queue "
            f"{spec.name}) or run with another LIVECHAT_QUEUE_PREFIX"
        ) from exc
    for key in routing_keys:
        await queue.bind(source, routing_key=key)
    return queue


class PublishNotConfirmedError(RuntimeError):
    """The broker did not confirm a publish: the caller must not report success."""


@dataclass
class EventPublisher:
    broker: RabbitBroker
    settings: ServiceSettings
    metrics: BusMetrics
    timeout: float = 10.0

    async def publish(self, envelope: Envelope) -> None:
        await self.publish_raw(
            routing_key=envelope.routing_key,
            body=envelope.model_dump_json(),
            event_id=envelope.event_id,
            correlation_id=envelope.correlation_id,
            headers=partition_header(
                envelope.routing_key, envelope.payload, envelope.chat_id, self.settings.partitions
            ),
        )

    async def publish_raw(
        self,
        *,
        routing_key: str,
        body: str,
        event_id: str,
        correlation_id: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        try:
            confirmation = await self.broker.publish(
                body,
                exchange=events_exchange(self.settings),
                routing_key=routing_key,
                persist=True,
                mandatory=False,
                timeout=self.timeout,
                message_id=event_id,
                correlation_id=correlation_id,
                content_type="application/json",
                headers={"x-correlation-id": correlation_id, **(headers or {})},
            )
        except Exception as exc:  # connection lost, channel closed, timeout
            self.metrics.published.labels(routing_key, "failed").inc()
            raise PublishNotConfirmedError(f"publish of {routing_key} failed: {exc}") from exc
        if confirmation is not None and not isinstance(confirmation, aiormq.spec.Basic.Ack):
            self.metrics.published.labels(routing_key, "failed").inc()
            raise PublishNotConfirmedError(f"broker did not confirm {routing_key}: {confirmation!r}")
        self.metrics.published.labels(routing_key, "ok").inc()


Handler = Callable[[Envelope], Awaitable[Any]]


def settle(exc: DomainError, queue: str) -> None:
    """What a consumer does with a message whose handler raised a domain error (``exc.on_bus``)."""
    log.warning("domain_error_on_bus", queue=queue, code=exc.code, outcome=exc.on_bus, error=exc.message)
    if exc.on_bus == "reject":
        raise RejectMessage() from exc
    if exc.on_bus == "retry":
        raise exc


@dataclass
class Consumers:
    """Registers envelope handlers on durable queues, with the same decode and failure rules everywhere.

    A body that is not a valid envelope is rejected at once (dead-lettered: retrying cannot fix it);
    a handler that raises a :class:`DomainError` is settled as the error says (:func:`settle`); any
    other exception is nacked and redelivered until the queue's delivery limit dead-letters it.
    """

    broker: RabbitBroker
    settings: ServiceSettings
    metrics: BusMetrics
    registered: list[str] = field(default_factory=list)
    partitioned: list[tuple[QueueSpec, Handler]] = field(default_factory=list)
    """Partitioned queues and their handlers, consumed by the runtime's partitioned consumers."""
    extra_bindings: list[tuple[RabbitQueue, tuple[str, ...]]] = field(default_factory=list)

    def durable(self, spec: QueueSpec, handler: Handler) -> list[RabbitSubscriber]:
        """Consume ``spec``'s queue; returns the subscribers. A partitioned queue is consumed by a
        :class:`~livechat_shared.partitions.PartitionedConsumer` the runtime starts (see
        :attr:`partitioned`), not by FastStream subscribers: its partitions move between replicas."""
        if spec.partitions:
            self.partitioned.append((spec, handler))
            self.registered.extend(queue_names(self.settings, spec))
            return []
        # An ordered queue gets a channel of its own with prefetch 1: the broker hands over the next
        # message only once the previous one is acked, so none can overtake another in this process.
        channel = Channel(prefetch_count=1, publisher_confirms=True) if spec.ordered else None
        return [self._register(durable_queue(self.settings, spec), handler, channel)]

    def measured(self, queue: str, handler: Handler) -> Callable[[bytes], Awaitable[None]]:
        """``handler`` for raw bodies of ``queue``: the envelope decoded (a body that is not one is
        rejected), domain errors settled, and the outcome and time counted in :class:`BusMetrics`."""
        handled = {
            outcome: self.metrics.handled.labels(queue, outcome)
            for outcome in ("ack", "reject", "retry", "error")
        }
        seconds = self.metrics.handle_seconds.labels(queue)

        async def consume(body: bytes) -> None:
            started = time.perf_counter()
            outcome = "error"
            try:
                await self._handle(queue, body, handler)
                outcome = "ack"
            except RejectMessage:
                outcome = "reject"
                raise
            except DomainError:
                outcome = "retry"
                raise
            finally:
                handled[outcome].inc()
                seconds.observe(time.perf_counter() - started)

        consume.__name__ = getattr(handler, "__name__", "consume")
        return consume

    def exclusive(self, name: str, routing_keys: tuple[str, ...], handler: Handler) -> None:
        """A per-replica queue that lives as long as this process's connection (realtime fan-out)."""
        queue = RabbitQueue(
            f"{self.settings.queue_prefix}{name}",
            exclusive=True,
            auto_delete=True,
            durable=False,
            routing_key=routing_keys[0],
        )
        self._register(queue, handler)
        self.extra_bindings.append((queue, routing_keys[1:]))

    async def bind_extra_keys(self) -> None:
        """Bind the keys beyond the first (FastStream binds one per subscriber); call after start."""
        exchange = await self.broker.declare_exchange(events_exchange(self.settings))
        for queue, keys in self.extra_bindings:
            declared = await self.broker.declare_queue(queue)
            for key in keys:
                await declared.bind(exchange, routing_key=key)

    def _register(
        self, queue: RabbitQueue, handler: Handler, channel: Channel | None = None
    ) -> RabbitSubscriber:
        subscriber = self.broker.subscriber(
            queue, events_exchange(self.settings), channel=channel, decoder=raw_body
        )
        subscriber(self.measured(queue.name, handler))
        self.registered.append(queue.name)
        return subscriber

    @staticmethod
    async def _handle(queue: str, body: bytes, handler: Handler) -> None:
        try:
            envelope = Envelope.model_validate_json(body)
        except ValidationError as exc:
            log.error("poison_message_rejected", queue=queue, errors=exc.error_count())
            raise RejectMessage() from exc
        with structlog.contextvars.bound_contextvars(
            event_id=envelope.event_id,
            event_type=envelope.routing_key,
            correlation_id=envelope.correlation_id,
            chat_id=envelope.chat_id,
        ):
            try:
                await handler(envelope)
            except DomainError as exc:
                settle(exc, queue)


async def raw_body(message: StreamMessage[Any]) -> bytes:
    """The subscribers' decoder: the body as it came (the handler parses the envelope itself)."""
    return message.body


@dataclass
class BrokerPing:
    """Whether the broker answers now (the outbox parks an event only while it does)."""

    broker: RabbitBroker
    timeout: float = 2.0

    async def healthy(self) -> bool:
        return bool(await self.broker.ping(timeout=self.timeout))
