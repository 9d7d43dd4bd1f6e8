"""Request limits applied to every service's HTTP API."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body


class BodySizeLimit:
    """Refuse request bodies above ``max_bytes`` with 413, whether announced or streamed.

    The body is read (at most ``max_bytes``) before the app runs and then replayed to it, so the
    refusal never depends on how a route reads its body. ``larger`` gives paths (by prefix) a limit
    of their own (file uploads).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app, self.default, self.larger = app, max_bytes, dict(larger or {})

    def limit_for(self, path: str) -> int:
        return next((n for prefix, n in self.larger.items() if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._reject(send, limit)
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

    async def _reject(self, send: Send, limit: int) -> None:
        body = json.dumps(error_body("payload_too_large", f"request body exceeds {limit} bytes")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


HEADER_RULES: dict[bytes, re.Pattern[bytes]] = {
    # Travels into the AMQP correlation id (at most 255 bytes) and every log line.
    b"x-correlation-id": re.compile(rb"[A-Za-z0-9._:/+=@-]{1,128}"),
    # W3C trace context: a traceparent is 55 characters; tracestate is bounded by the spec at 32 entries.
    b"traceparent": re.compile(rb"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"),
    b"tracestate": re.compile(rb"[\x21-\x7e ]{0,512}"),
}


def bad_header(scope: Scope) -> str | None:
    """The name of the first header that travels on (correlation id, trace context) and breaks its
    rule, or ``None``."""
    headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
    for name, value in headers:
        rule = HEADER_RULES.get(name.lower())
        if rule is not None and not rule.fullmatch(value):
            return name.decode("latin-1")
    return None


class HeaderLimits:
    """Refuse requests whose travelling headers are malformed or oversized: 400 ``invalid_header``
    (a WebSocket is closed with 1008 before it is accepted). What would travel on to the bus and the
    logs is bounded here, at the edge, so a bad value can never block an event later."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = bad_header(scope) if scope["type"] in ("http", "websocket") else None
        if name is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "invalid_header"})
        else:
            body = json.dumps(
                error_body("invalid_header", f"the {name} header is malformed or too long")
            ).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})


API_CSP = b"default-src 'none'; frame-ancestors 'none'"
DOC_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """Headers every response carries: no sniffing, no framing, no referrer, and for everything but
    the interactive docs a Content-Security-Policy (a page that needs more sets its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = str(scope.get("path", "")).startswith(DOC_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not docs:
                    extra.append((b"content-security-policy", API_CSP))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
