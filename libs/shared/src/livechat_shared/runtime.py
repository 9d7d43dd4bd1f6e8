"""What a service process holds: telemetry, broker, database, publisher, consumers and token
verifier, created by the service's ``create_app(settings)`` and started by the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faststream.rabbit import RabbitBroker
from opentelemetry import propagate
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry

from .auth import TokenVerifier
from .background import RetriedInBackground
from .bus import (
    BrokerPing,
    BusMetrics,
    Consumers,
    EventPublisher,
    Handler,
    create_broker,
    declare_topology,
    queue_names,
)
from .directory import Directory, DirectoryCopy, on_user_changed
from .ids import new_id
from .mongo import Mongo
from .outbox import Outbox
from .partitions import Members, PartitionedConsumer
from .ratelimit import RateLimiter
from .settings import ServiceSettings
from .telemetry import Telemetry, get_logger, setup_telemetry
from .topology import QueueSpec

log = get_logger(__name__)

Hook = Callable[[], Awaitable[None]]


@dataclass
class Runtime:
    """Everything a service process holds: created in ``create_app``, started by the lifespan."""

    settings: ServiceSettings
    telemetry: Telemetry
    registry: CollectorRegistry
    broker: RabbitBroker
    mongo: Mongo
    publisher: EventPublisher
    consumers: Consumers
    verifier: TokenVerifier
    limiter: RateLimiter
    directory: Directory | None = None
    """Where requests' users are looked up; set by the service's ``create_app`` (without one, every
    bearer token is refused)."""
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)
    partitions: list[PartitionedConsumer] = field(default_factory=list)
    """The partitioned queues this replica consumes its share of (started after the broker)."""
    replica: str = field(default_factory=new_id)
    """This process's id among the service's replicas (its partition heartbeat)."""

    @classmethod
    def create(cls, settings: ServiceSettings) -> Runtime:
        telemetry = setup_telemetry(settings)
        registry = CollectorRegistry()
        broker = create_broker(settings, telemetry)
        bus_metrics = BusMetrics(registry)
        mongo = Mongo.from_settings(settings, registry)
        return cls(
            settings=settings,
            telemetry=telemetry,
            registry=registry,
            broker=broker,
            mongo=mongo,
            publisher=EventPublisher(broker, settings, bus_metrics),
            consumers=Consumers(broker, settings, bus_metrics),
            verifier=TokenVerifier(settings),
            limiter=RateLimiter(mongo),
        )

    def keep_directory_copy(self, queue: QueueSpec) -> DirectoryCopy:
        """Authorise requests from a copy of the directory kept in this service's database, fed by
        ``queue`` (every service but assignment, which owns the directory)."""
        copy = DirectoryCopy(self.mongo)
        self.directory = copy
        self.consumers.durable(queue, on_user_changed(copy))
        return copy

    def every(self, seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
        """Run ``job`` every ``seconds`` from start to stop (a failure is logged, the next run comes)."""
        task: asyncio.Task[None] | None = None
        stopping = asyncio.Event()

        async def loop() -> None:
            while not stopping.is_set():
                try:
                    await job()
                except Exception as exc:
                    log.warning("periodic_job_failed", job=name, error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(seconds):
                        await stopping.wait()

        async def start() -> None:
            nonlocal task
            stopping.clear()
            task = asyncio.create_task(loop(), name=name)

        async def stop() -> None:
            stopping.set()
            if task is not None:
                await asyncio.wait({task}, timeout=seconds + 5)
                task.cancel()

        self.on_start.append(start)
        self.on_stop.append(stop)

    def once(self, job: Callable[[], Awaitable[object]], retry_seconds: float, name: str) -> None:
        """Run ``job`` once from start, in the background, tried again ``retry_seconds`` after each
        failure until it succeeds; cancelled at stop (``livechat_shared.background``)."""
        background = RetriedInBackground(job, retry_seconds, name)
        self.on_start.append(background.start)
        self.on_stop.append(background.stop)

    def relayed_outbox(self) -> Outbox:
        """The service's transactional outbox, relayed from start to stop (see ``livechat_shared.outbox``)."""
        outbox = Outbox(
            self.mongo,
            self.publisher,
            poll_seconds=self.settings.outbox_poll_seconds,
            health=BrokerPing(self.broker),
            registry=self.registry,
        )

        async def start_relay() -> None:
            outbox.start()

        self.on_start.append(start_relay)
        self.on_stop.append(outbox.stop)
        return outbox

    def _partitioned_consumer(self, spec: QueueSpec, handler: Handler) -> PartitionedConsumer:
        names = queue_names(self.settings, spec)
        measured = {name: self.consumers.measured(name, handler) for name in names}
        tracer = self.telemetry.tracer_provider.get_tracer("livechat.partitions")

        async def handle(queue: str, body: bytes, headers: Mapping[str, Any]) -> None:
            if not self.settings.tracing_enabled:
                await measured[queue](body)
                return
            carrier = {k: v for k, v in headers.items() if isinstance(v, str)}
            with tracer.start_as_current_span(
                f"{queue} process", context=propagate.extract(carrier), kind=SpanKind.CONSUMER
            ):
                await measured[queue](body)

        return PartitionedConsumer(
            self.settings.amqp_url,
            names,
            handle,
            Members(self.mongo, spec.name, self.replica, self.settings.partition_member_ttl_seconds),
            heartbeat_seconds=self.settings.partition_heartbeat_seconds,
        )

    async def start(self) -> None:
        self.partitions = [self._partitioned_consumer(s, h) for s, h in self.consumers.partitioned]
        await self.mongo.create_indexes()
        await declare_topology(self.settings)
        await self.broker.connect()
        await self.broker.start()
        await self.consumers.bind_extra_keys()
        for consumer in self.partitions:
            await consumer.start()
        for hook in self.on_start:
            await hook()
        # What start-up built lives as long as the process: out of the collector's way, so a full
        # collection scans only what requests and messages made since.
        gc.collect()
        gc.freeze()
        log.info("service_started", service=self.settings.service_name, consumers=self.consumers.registered)

    async def stop(self) -> None:
        for consumer in self.partitions:  # the messages in hand finish; the others take over
            with contextlib.suppress(Exception):
                await consumer.stop()
        for hook in reversed(self.on_stop):
            with contextlib.suppress(Exception):
                await hook()
        await self.broker.stop()
        with contextlib.suppress(Exception):
            await self.limiter.close()  # write the last batched rate-limit hits
        await self.mongo.close()
        self.telemetry.shutdown()
        gc.unfreeze()  # what start-up froze may be collected again (a test process starts many)

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            checks["broker"] = "ok" if await self.broker.ping(timeout=2.0) else "unreachable"
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
        try:
            await asyncio.wait_for(self.mongo.ping(), timeout=2.0)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        return checks
