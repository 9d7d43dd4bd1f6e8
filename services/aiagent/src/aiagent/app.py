"""Composition root of the aiagent service.

This first cut starts, connects to the broker and the database, and reports its health; its
consumers and API arrive with the features that need them.
"""

from __future__ import annotations

from livechat_shared.http import Runtime, create_service_app

from .settings import Settings


def create_app(settings: Settings) -> object:
    runtime = Runtime.create(settings)
    return create_service_app(runtime, title="livechat aiagent")
