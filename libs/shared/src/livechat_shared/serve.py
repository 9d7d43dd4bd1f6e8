"""Run a service app with uvicorn: the body of every ``livechat-<service>`` console command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from .settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(create_app: Callable[[S], FastAPI], settings: S) -> None:
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
        ws_max_size=settings.max_body_bytes,
        # Frames are small JSON events fanned out to many sockets: compressing each one for each
        # socket cost more CPU than any other step of a realtime push.
        ws_per_message_deflate=False,
    )
