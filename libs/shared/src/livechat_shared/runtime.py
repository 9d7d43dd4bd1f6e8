"""What a service process holds: telemetry, broker, database, publisher, consumers and token
verifier, created by the service's ``create_app(settings)`` and started by the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from faststream.rabbit import RabbitBroker
from prometheus_client import CollectorRegistry

from .auth import TokenVerifier
from .bus import Consumers, EventPublisher, create_broker, declare_topology
from .mongo import Mongo
from .settings import ServiceSettings
from .telemetry import Telemetry, get_logger, setup_telemetry

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
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)

    @classmethod
    def create(cls, settings: ServiceSettings) -> Runtime:
        telemetry = setup_telemetry(settings)
        registry = CollectorRegistry()
        broker = create_broker(settings, telemetry, registry)
        return cls(
            settings=settings,
            telemetry=telemetry,
            registry=registry,
            broker=broker,
            mongo=Mongo.from_settings(settings),
            publisher=EventPublisher(broker, settings),
            consumers=Consumers(broker, settings),
            verifier=TokenVerifier(settings),
        )

    async def start(self) -> None:
        await self.mongo.create_indexes()
        await declare_topology(self.settings)
        await self.broker.connect()
        await self.broker.start()
        await self.consumers.bind_extra_keys()
        for hook in self.on_start:
            await hook()
        log.info("service_started", service=self.settings.service_name, consumers=self.consumers.registered)

    async def stop(self) -> None:
        for hook in reversed(self.on_stop):
            with contextlib.suppress(Exception):
                await hook()
        await self.broker.stop()
        await self.mongo.close()
        self.telemetry.shutdown()

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
