"""Composition root of the aiagent service.

This first cut starts, connects to the broker and the database, and reports its health; its
features (each a package with its use cases, routes and bus handlers) arrive as they are needed,
and are wired here.
"""

from __future__ import annotations

from fastapi import FastAPI
from livechat_shared.runtime import Runtime
from livechat_shared.topology import AIAGENT_DIRECTORY
from livechat_shared.web import create_service_app

from .settings import Settings


def create_app(settings: Settings) -> FastAPI:
    runtime = Runtime.create(settings)
    runtime.keep_directory_copy(AIAGENT_DIRECTORY)
    return create_service_app(runtime, title="livechat aiagent")
