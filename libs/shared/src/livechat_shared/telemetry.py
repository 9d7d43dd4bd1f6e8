"""Logging and tracing, configured once per process and handed to the broker and the app.

structlog renders JSON (or a console view in development) and every log line carries the active
``trace_id`` plus whatever the code bound (``correlation_id``, ``chat_id``). OpenTelemetry spans
cross HTTP (FastAPI instrumentation) and AMQP (FastStream's telemetry middleware); with
``LIVECHAT_OTLP_ENDPOINT`` set they are exported over OTLP/HTTP.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import structlog
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from .settings import ServiceSettings

_SECRET_QUERY = re.compile(r"((?:^|[?&\s\"'])[A-Za-z_]*token=)[^&\s\"']+", re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+")
_BEARER = re.compile(r"(bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` without tokens: any ``...token=`` query value (also when percent-encoded, as in
    ``%74oken=``), anything shaped like a JWT, and bearer credentials."""
    if "%" in text:
        decoded = unquote(text)
        if decoded != text and (
            _SECRET_QUERY.search(decoded) or _JWT.search(decoded) or _BEARER.search(decoded)
        ):
            text = decoded  # log the decoded form, so the redaction cannot be dodged by encoding
    text = _SECRET_QUERY.sub(r"\1***", text)
    text = _JWT.sub("***", text)
    return _BEARER.sub(r"\1***", text)


class RedactTokens(logging.Filter):
    """Access logs print request lines; tokens in query strings (WebSockets) must not reach them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def _redact_event(_logger: object, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The last step before rendering: no token in any string value, tracebacks included."""
    for key, value in list(event.items()):
        if isinstance(value, str):
            event[key] = redact(value)
    return event


def _add_trace_ids(_logger: object, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event.setdefault("trace_id", format(ctx.trace_id, "032x"))
        event.setdefault("span_id", format(ctx.span_id, "016x"))
    return event


@dataclass
class Telemetry:
    tracer_provider: TracerProvider

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()


def configure_logging(settings: ServiceSettings) -> None:
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer = (
        structlog.dev.ConsoleRenderer()
        if settings.log_format == "console"
        else structlog.processors.JSONRenderer()
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, _redact_event, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Route standard-library loggers (uvicorn, faststream, pymongo) through the same renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactTokens())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _redact_event,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("pymongo", "aiormq", "aio_pika"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def setup_telemetry(settings: ServiceSettings) -> Telemetry:
    configure_logging(settings)
    provider = TracerProvider(resource=Resource.create({"service.name": f"livechat-{settings.service_name}"}))
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{settings.otlp_endpoint.rstrip('/')}/v1/traces"))
        )
    return Telemetry(tracer_provider=provider)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
