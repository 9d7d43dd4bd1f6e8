"""The aiagent app in process against the real broker and database: a workspace's users seeded in its
copy of the directory, and a probe on the bus that publishes what the inbox would and keeps what the
AI agent announces."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import pytest
from aiagent.app import create_app
from aiagent.settings import Settings
from livechat_dev.testing import (
    directory_user,
    eventually,
    publish_envelope,
    running,
    seed_directory,
    settings_from,
)
from livechat_shared.auth import issue_token
from livechat_shared.contracts import (
    AppRef,
    Author,
    ChatClosedV1,
    Contract,
    Envelope,
    MessageCreatedV1,
    MessageView,
)
from livechat_shared.ids import new_id, utcnow

WS, TS = "ws-it", "ts-it"


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return settings_from(Settings, env)


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    await seed_directory(
        settings,
        directory_user("u-admin", WS, "admin"),
        directory_user("u-super", WS, "supervisor"),
        directory_user("u-agent", WS, "agent", team_ids=("t-sales",)),
    )
    async with running(create_app(settings)) as client:
        yield client


def auth(settings: Settings, user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, user_id=user_id, workspace_id=WS)}"}


class Bus:
    """Publishes envelopes as the inbox does (with the partition header) and keeps the events the AI
    agent publishes (a queue of this test's own, bound to ``aiagent.#``)."""

    def __init__(
        self, exchange: aio_pika.abc.AbstractExchange, queue: aio_pika.abc.AbstractQueue, settings: Settings
    ) -> None:
        self.exchange, self.queue, self.settings = exchange, queue, settings
        self.received: list[Envelope] = []

    async def publish(self, envelope: Envelope) -> None:
        await publish_envelope(self.exchange, envelope, self.settings)

    async def drain(self) -> list[Envelope]:
        while (got := await self.queue.get(no_ack=True, fail=False)) is not None:
            self.received.append(Envelope.model_validate_json(got.body))
        return self.received

    async def wait_for(self, test: Any, within: float = 20.0) -> list[Envelope]:
        """Every event received so far, once one of them passes ``test``."""

        async def found() -> list[Envelope] | None:
            received = await self.drain()
            return received if any(test(e) for e in received) else None

        result = await eventually(found, within)
        return result

    def of(self, contract: type[Contract], chat_id: str) -> list[Any]:
        return [
            e.open(contract) for e in self.received if e.type == contract.event_type and e.chat_id == chat_id
        ]


@pytest.fixture
async def bus(settings: Settings, api: httpx.AsyncClient) -> AsyncIterator[Bus]:
    """The probe (once the app declared the exchange); its queue is deleted with the connection."""
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(settings.exchange)
        queue = await channel.declare_queue(f"{settings.queue_prefix}probe-{new_id()}", exclusive=True)
        await queue.bind(exchange, routing_key="aiagent.#")
        yield Bus(exchange, queue, settings)
        with contextlib.suppress(Exception):
            await queue.delete()


def person_message(text: str, chat_id: str, app_id: str, language: str | None = None) -> Envelope:
    event = MessageCreatedV1(
        chat_version=1,
        teamspace_id=TS,
        mode="ai",
        app_id=app_id,
        status="open",
        language=language,
        message=MessageView(
            id=new_id(),
            chat_id=chat_id,
            seq=1,
            author=Author(type="person", id="p-1"),
            text=text,
            created_at=utcnow(),
        ),
    )
    return Envelope.wrap(event, workspace_id=WS, chat_id=chat_id)


def chat_closed(chat_id: str, app_id: str) -> Envelope:
    event = ChatClosedV1(
        chat_version=3,
        teamspace_id=TS,
        app=AppRef(id=app_id, channel="webchat"),
        person_external_id="visitor-1",
        closed_by="u-agent",
    )
    return Envelope.wrap(event, workspace_id=WS, chat_id=chat_id)
