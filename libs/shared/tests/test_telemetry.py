"""Logs never carry tokens: query values named ``*token``, however encoded, JWTs and bearer credentials."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog
from livechat_shared.settings import ServiceSettings
from livechat_shared.telemetry import configure_logging, redact

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEiLCJ3cyI6IncifQ.c2lnbmF0dXJlLXZhbHVl"


@pytest.mark.parametrize(
    "line",
    [
        f"GET /v1/stream?token={JWT} HTTP/1.1",
        f"GET /v1/stream?%74oken={JWT} HTTP/1.1",
        f"GET /v1/stream?%74%6F%6B%65%6E={JWT} HTTP/1.1",
        f"GET /v1/stream?TOKEN={JWT}&x=1 HTTP/1.1",
        "GET /v1/webchat/a/ws?after=3&token=Zr8Tq3Lm6Wv1Np4Ks9Xc2Bh7Gd5Fj0Ay HTTP/1.1",
        "GET /v1/webchat/a/ws?session_token=Zr8Tq3Lm6Wv1Np4Ks9Xc2Bh7Gd5Fj0Ay HTTP/1.1",
        f"headers: {{'authorization': 'Bearer {JWT}'}}",
        f"Traceback: ValueError: bad {JWT}",
        "authorization: bearer Zr8Tq3Lm6Wv1Np4Ks9Xc2Bh7Gd5Fj0Ay",
    ],
)
def test_redact_removes_the_secret(line: str) -> None:
    out = redact(line)
    assert JWT not in out and "Zr8Tq3Lm6Wv1Np4Ks9Xc2Bh7Gd5Fj0Ay" not in out
    assert "***" in out


def test_redact_leaves_other_text_alone() -> None:
    for text in ["GET /v1/chats?page=2&status=open HTTP/1.1", "100% done", "tokens: 3"]:
        assert redact(text) == text


@pytest.fixture
def captured_logging() -> Iterator[None]:
    """Logging configured for one test, then put back: later tests must not write to its captured stream."""
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


@pytest.mark.usefixtures("captured_logging")
def test_access_log_and_structlog_lines_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(ServiceSettings(log_format="json"))
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET", f"/v1/stream?%74oken={JWT}", "1.1", 101
    )
    structlog.get_logger("x").warning("ws_refused", url=f"/v1/stream?token={JWT}")
    try:
        raise ValueError(f"Authorization: Bearer {JWT}")
    except ValueError:
        structlog.get_logger("x").exception("boom")
    err = capsys.readouterr().err
    assert err.count("***") >= 3
    assert JWT not in err
