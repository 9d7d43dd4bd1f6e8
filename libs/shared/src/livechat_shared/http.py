"""The HTTP side every service shares: the app factory, the runtime wiring, errors, auth, health.

Each service's ``create_app(settings)`` builds a :class:`Runtime` (telemetry, broker, database,
publisher), registers its consumers and routes, and returns :func:`create_service_app`'s FastAPI
app. The broker runs inside the app's lifespan, so one process serves HTTP and consumes the bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from faststream.rabbit import RabbitBroker
from faststream.specification import AsyncAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import InvalidTokenError, Principal, TokenVerifier
from .bus import Consumers, EventPublisher, create_broker, declare_topology
from .mongo import Mongo
from .settings import ServiceSettings
from .telemetry import Telemetry, get_logger, setup_telemetry

log = get_logger(__name__)

Hook = Callable[[], Awaitable[None]]


class ApiError(Exception):
    """An error the client can act on: rendered as ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


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


class BodySizeLimit:
    """Refuse request bodies above ``max_bytes`` with 413, whether announced or streamed.

    The body is read (at most ``max_bytes``) before the app runs and then replayed to it, so the
    refusal never depends on how a route reads its body.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps(
            error_body("payload_too_large", f"request body exceeds {self.max_bytes} bytes")
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_service_app(runtime: Runtime, *, title: str, description: str = "") -> FastAPI:
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
    _install_error_handlers(app)
    _install_metrics(app, runtime.registry, settings.service_name)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=runtime.telemetry.tracer_provider, excluded_urls="healthz,readyz,metrics"
    )

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", tags=["ops"])
    async def metrics() -> Response:
        return Response(generate_latest(runtime.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["ops"], summary="The AsyncAPI document of this service's bus use")
    async def asyncapi() -> Response:
        spec = AsyncAPI(runtime.broker, title=f"livechat-{settings.service_name}").to_specification()
        return Response(spec.to_json(), media_type="application/json")

    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, **exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        malformed = any(p["type"] == "json_invalid" for p in problems)
        code, message = (
            ("invalid_json", "request body is not valid JSON")
            if malformed
            else ("validation_failed", "request failed validation")
        )
        return JSONResponse(
            error_body(code, message, problems=problems), status_code=422 if not malformed else 400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
        return JSONResponse(
            error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )


def _install_metrics(app: FastAPI, registry: CollectorRegistry, service: str) -> None:
    requests = Counter(
        "http_requests_total", "HTTP requests", ["service", "method", "route", "status"], registry=registry
    )
    latency = Histogram(
        "http_request_seconds", "HTTP request latency", ["service", "method", "route"], registry=registry
    )

    @app.middleware("http")
    async def _measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        requests.labels(service, request.method, route, str(response.status_code)).inc()
        latency.labels(service, request.method, route).observe(time.perf_counter() - started)
        return response


# --- authentication dependencies --------------------------------------------------------------


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def current_user(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401,
            "unauthorized",
            "a bearer token is required",
        )
    try:
        return await _runtime(request).verifier.verify(token.strip())
    except InvalidTokenError as exc:
        raise ApiError(401, "invalid_token", "the bearer token is invalid or expired") from exc


async def websocket_user(websocket: WebSocket, token: str | None) -> Principal | None:
    """Verify a WebSocket's ``?token=``; ``None`` when it is missing or bad (the caller closes 1008)."""
    if not token:
        return None
    try:
        return await websocket.app.state.runtime.verifier.verify(token)
    except InvalidTokenError:
        return None


CurrentUser = Annotated[Principal, Depends(current_user)]
