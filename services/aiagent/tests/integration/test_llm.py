"""The generative brain against a fake OpenAI-compatible server on a loopback port: an answer from the
model, a handoff the model decides, and a model too slow for the configured timeout (the rule-based
brain answers instead)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiagent.settings import Settings
from fastapi import FastAPI, Request
from livechat_dev.testing import serving
from livechat_shared.contracts import AiReplyCreatedV1, ChatHandedOffV1
from livechat_shared.ids import new_id

from .conftest import Bus, auth, person_message

ARTICLES = [{"id": "pw", "question": "How do I reset my password?", "answer": "Settings, then Security."}]
API_KEY = "sk-fake-key-for-the-test"


@dataclass
class FakeModel:
    """What the fake server answers (``content``), how long it waits first, and what it was asked."""

    content: str = "{}"
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)


def fake_openai(model: FakeModel) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> dict[str, Any]:
        model.requests.append({"auth": request.headers.get("authorization"), "body": await request.json()})
        if model.delay:
            try:
                async with asyncio.timeout(model.delay):
                    await model.release.wait()
            except TimeoutError:
                pass
        return {"id": "c1", "object": "chat.completion", "choices": [{"message": {"content": model.content}}]}

    return app


@pytest.fixture
async def model() -> AsyncIterator[tuple[FakeModel, str]]:
    fake = FakeModel()
    async with serving(fake_openai(fake), ws="none") as address:
        yield fake, f"http://{address}/v1"
        fake.release.set()  # a slow answer in flight ends now


async def configure(
    api: httpx.AsyncClient, settings: Settings, base_url: str, model_seconds: float = 5.0
) -> str:
    app_id = f"app-{new_id()}"
    body = {
        "greeting": "",
        "articles": ARTICLES,
        "llm": {
            "base_url": base_url,
            "model": "fake-1",
            "api_key": API_KEY,
            "timeout_seconds": model_seconds,
        },
    }
    stored = await api.put(f"/v1/apps/{app_id}/bot", headers=auth(settings, "u-admin"), json=body)
    assert stored.status_code == 200, stored.text
    return app_id


async def test_the_model_answers(
    api: httpx.AsyncClient, settings: Settings, bus: Bus, model: tuple[FakeModel, str]
) -> None:
    fake, base_url = model
    fake.content = (
        '```json\n{"answer": "Go to Settings > Security.", "article_id": "pw", "handoff": false}\n```'
    )
    app_id, chat = await configure(api, settings, base_url), f"chat-{new_id()}"
    await bus.publish(person_message("I forgot my password", chat, app_id))
    await bus.wait_for(lambda e: e.type == AiReplyCreatedV1.event_type and e.chat_id == chat)
    (answer,) = bus.of(AiReplyCreatedV1, chat)
    assert (answer.kind, answer.text, answer.article_id, answer.article_title) == (
        "answer",
        "Go to Settings > Security.",
        "pw",
        "How do I reset my password?",
    )
    (request,) = fake.requests
    assert request["auth"] == f"Bearer {API_KEY}"
    assert request["body"]["model"] == "fake-1"
    system, said = request["body"]["messages"]
    assert json.dumps(ARTICLES[0]) in system["content"]
    assert said == {"role": "user", "content": "I forgot my password"}


async def test_the_model_hands_off(
    api: httpx.AsyncClient, settings: Settings, bus: Bus, model: tuple[FakeModel, str]
) -> None:
    fake, base_url = model
    fake.content = '{"answer": "", "article_id": null, "handoff": true}'
    app_id, chat = await configure(api, settings, base_url), f"chat-{new_id()}"
    await bus.publish(person_message("My parcel arrived broken, I am furious", chat, app_id))
    await bus.wait_for(lambda e: e.type == ChatHandedOffV1.event_type and e.chat_id == chat)
    (handoff,) = bus.of(ChatHandedOffV1, chat)
    assert (handoff.trigger, handoff.message) == ("llm", "Let me find a person to help you.")
    assert bus.of(AiReplyCreatedV1, chat) == []


async def test_a_slow_model_gives_way_to_the_rules(
    api: httpx.AsyncClient, settings: Settings, bus: Bus, model: tuple[FakeModel, str]
) -> None:
    fake, base_url = model
    fake.content = '{"answer": "Too late.", "handoff": false}'
    fake.delay = 10.0
    app_id, chat = await configure(api, settings, base_url, model_seconds=0.5), f"chat-{new_id()}"
    await bus.publish(person_message("How do I reset my password?", chat, app_id))
    await bus.wait_for(lambda e: e.type == AiReplyCreatedV1.event_type and e.chat_id == chat)
    (answer,) = bus.of(AiReplyCreatedV1, chat)
    assert (answer.kind, answer.text, answer.article_id) == ("answer", "Settings, then Security.", "pw")
    assert len(fake.requests) == 1  # it was asked, and did not answer in time
