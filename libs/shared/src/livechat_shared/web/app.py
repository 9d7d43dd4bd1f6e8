"""The FastAPI app every service shares: lifespan (the runtime), errors, limits, metrics, health.

Each service's ``create_app(settings)`` builds a :class:`~livechat_shared.runtime.Runtime`,
registers its consumers and routers, and returns :func:`create_service_app`'s app. The broker runs
inside the app's lifespan, so one process serves HTTP and consumes the bus.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from faststream.specification import AsyncAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..bus import queue_names
from ..contracts import Contract, Envelope
from ..errors import ErrorStatuses
from ..runtime import Runtime
from ..topology import PARTITION_HEADER
from .errors import install_error_handlers
from .limits import BodySizeLimit, HeaderLimits, SecurityHeaders


def add_partitioned_channels(document: dict[str, Any], runtime: Runtime) -> None:
    """Document the partitioned queues (consumed outside FastStream, so absent from its document)."""
    channels = document.setdefault("channels", {})
    operations = document.setdefault("operations", {})
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Envelope"] = Envelope.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for spec, _handler in runtime.consumers.partitioned:
        for name in queue_names(runtime.settings, spec):
            channels[name] = {
                "address": name,
                "description": (
                    f"Partition of {spec.name}: one ordered consumer at a time, the partitions shared "
                    f"by the replicas; routed by the {PARTITION_HEADER!r} header of "
                    + ", ".join(spec.routing_keys)
                ),
                "messages": {"Envelope": {"payload": {"$ref": "#/components/schemas/Envelope"}}},
                "bindings": {"amqp": {"is": "queue", "queue": {"name": name, "durable": True}}},
            }
            operations[f"{name}:receive"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{name}"},
            }
    defs = components["schemas"]["Envelope"].pop("$defs", {})
    components["schemas"].update(defs)


def add_external_contracts(
    document: dict[str, Any], exchange: str, contracts: tuple[type[Contract], ...]
) -> None:
    """Document the events producers outside the suite may publish to the events exchange (each in
    an :class:`Envelope`, routing key ``<type>.v<version>``), with their payload's schema."""
    channels = document.setdefault("channels", {})
    operations = document.setdefault("operations", {})
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for contract in contracts:
        name, key = contract.__name__, contract.routing_key()
        schema = contract.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
        channels[key] = {
            "address": key,
            "description": (
                f"Published by producers outside the suite to the topic exchange {exchange!r} with "
                f"routing key {key!r}: an Envelope whose type is {contract.event_type!r}, version "
                f"{contract.event_version}, and whose payload is {name}. "
                + " ".join((contract.__doc__ or "").split())
            ),
            "messages": {
                name: {
                    "name": name,
                    "contentType": "application/json",
                    "payload": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Envelope"},
                            {"properties": {"payload": {"$ref": f"#/components/schemas/{name}"}}},
                        ]
                    },
                }
            },
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {"name": exchange, "type": "topic", "durable": True, "vhost": "/"},
                }
            },
        }
        operations[f"{key}:receive"] = {"action": "receive", "channel": {"$ref": f"#/channels/{key}"}}


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


def create_service_app(
    runtime: Runtime,
    *,
    title: str,
    description: str = "",
    errors: ErrorStatuses | None = None,
    larger_bodies: dict[str, int] | None = None,
    external_contracts: tuple[type[Contract], ...] = (),
) -> FastAPI:
    """The service's app; ``errors`` maps its domain errors to HTTP statuses; ``larger_bodies``
    gives paths (by prefix) a body limit above ``max_body_bytes`` (uploads); ``external_contracts``
    are events it takes from producers outside the suite (documented in ``/asyncapi.json``)."""
    settings = runtime.settings

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    install_error_handlers(app, errors or {})
    app.add_middleware(RequestMetrics, registry=runtime.registry, service=settings.service_name)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, larger=larger_bodies)
    app.add_middleware(HeaderLimits)
    app.add_middleware(SecurityHeaders)
    if settings.tracing_enabled:
        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=runtime.telemetry.tracer_provider, excluded_urls="healthz,readyz,metrics"
        )

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> Health:
        return Health(status="ok", service=settings.service_name)

    @app.get("/readyz", tags=["ops"], responses={200: {"model": Readiness}, 503: {"model": Readiness}})
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        body = Readiness(status="ready" if ready else "unavailable", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(runtime.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get(
        "/asyncapi.json",
        tags=["ops"],
        summary="The AsyncAPI document of this service's bus use",
        responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
    )
    async def asyncapi() -> Response:
        spec = AsyncAPI(runtime.broker, title=f"livechat-{settings.service_name}").to_specification()
        document = json.loads(spec.to_json())
        add_partitioned_channels(document, runtime)
        add_external_contracts(document, settings.exchange, external_contracts)
        return JSONResponse(document)

    return app


class RequestMetrics:
    """Counts requests and their latency by method, route template and status (plain ASGI: no
    per-request task or body re-streaming, unlike a function middleware)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry, service: str) -> None:
        self.app, self.service = app, service
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_seconds", "HTTP request latency", ["service", "method", "route"], registry=registry
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")  # set by the router in the scope
            method = scope["method"]
            self.requests.labels(self.service, method, route, str(status)).inc()
            self.latency.labels(self.service, method, route).observe(time.perf_counter() - started)
