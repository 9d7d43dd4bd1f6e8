"""The AI agent on the bus (real broker and database): the inbox's events in, its answers, handoffs
and ratings out through the outbox, once each even when an event comes twice."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from aiagent.conversations.rules import FEEDBACK_REQUEST
from aiagent.settings import Settings
from livechat_dev.testing import eventually
from livechat_shared.contracts import (
    AiReplyCreatedV1,
    ChatDeletedV1,
    ChatHandedOffV1,
    Envelope,
    FeedbackCollectedV1,
)
from livechat_shared.ids import new_id
from livechat_shared.mongo import Mongo

from .conftest import TS, WS, Bus, auth, chat_closed, person_message

ARTICLES = [
    {"id": "pw", "question": "How do I reset my password?", "answer": "Settings, then Security."},
    {"id": "ship", "question": "How long does shipping take?", "answer": "3 to 5 days."},
]


def replies_to(chat_id: str) -> Callable[[Envelope], bool]:
    return lambda e: e.type == AiReplyCreatedV1.event_type and e.chat_id == chat_id


async def test_answers_hands_off_and_collects_a_rating(
    api: httpx.AsyncClient, settings: Settings, bus: Bus
) -> None:
    app_id, chat = f"app-{new_id()}", f"chat-{new_id()}"
    body = {
        "greeting": "Hi, I am the bot.",
        "articles": ARTICLES,
        "handoff": {"target": {"team_ids": ["t-sales"]}, "by_language": True},
    }
    assert (
        await api.put(f"/v1/apps/{app_id}/bot", headers=auth(settings, "u-admin"), json=body)
    ).status_code == 200

    asked = person_message("How do I reset my password?", chat, app_id)
    await bus.publish(asked)
    await bus.publish(asked)  # redelivered: nothing twice
    await bus.publish(person_message("I want a human", chat, app_id, language="de"))
    await bus.wait_for(lambda e: e.type == ChatHandedOffV1.event_type and e.chat_id == chat)

    replies = bus.of(AiReplyCreatedV1, chat)  # one transaction's events: in any order on the bus
    assert sorted((r.kind, r.text, r.article_id) for r in replies) == [
        ("answer", "Settings, then Security.", "pw"),
        ("greeting", "Hi, I am the bot.", None),
    ]
    assert {r.kind: r.article_title for r in replies}["answer"] == "How do I reset my password?"
    assert all(r.reply_to == asked.payload["message"]["id"] for r in replies)
    (handoff,) = bus.of(ChatHandedOffV1, chat)
    assert (handoff.trigger, handoff.teamspace_id, handoff.target.team_ids, handoff.target.language) == (
        "keyword",
        TS,
        ["t-sales"],
        "de",
    )
    assert handoff.message == "Let me find a person to help you."
    assert "The person wrote 2 messages" in handoff.summary

    await bus.publish(chat_closed(chat, app_id))
    await bus.wait_for(lambda e: replies_to(chat)(e) and e.payload["kind"] == "feedback_request")
    await bus.publish(person_message("4/5", chat, app_id))
    await bus.wait_for(lambda e: e.type == FeedbackCollectedV1.event_type and e.chat_id == chat)
    (feedback,) = bus.of(FeedbackCollectedV1, chat)
    assert feedback.score == 4
    await bus.wait_for(lambda e: replies_to(chat)(e) and e.payload["kind"] == "feedback_thanks")
    assert [r.kind for r in bus.of(AiReplyCreatedV1, chat)][2:] == ["feedback_request", "feedback_thanks"]
    usage = await api.get("/v1/ai/settings", headers=auth(settings, "u-admin"))
    assert usage.json()["interactions_this_month"] == 1


async def test_a_change_of_configuration_is_used_at_once_and_the_limit_holds(
    api: httpx.AsyncClient, settings: Settings, bus: Bus
) -> None:
    app_id, first, second = f"app-{new_id()}", f"chat-{new_id()}", f"chat-{new_id()}"
    admin = auth(settings, "u-admin")
    assert (await api.put(f"/v1/apps/{app_id}/bot", headers=admin, json={"greeting": ""})).status_code == 200
    assert (
        await api.put("/v1/ai/settings", headers=admin, json={"monthly_interaction_limit": 1})
    ).status_code == 200

    await bus.publish(person_message("How long does shipping take?", first, app_id))
    await bus.wait_for(replies_to(first))
    assert [r.kind for r in bus.of(AiReplyCreatedV1, first)] == ["fallback"]  # no articles yet

    changed = await api.put(
        f"/v1/apps/{app_id}/bot", headers=admin, json={"greeting": "", "articles": ARTICLES}
    )
    assert changed.status_code == 200
    await bus.publish(person_message("How long does shipping take?", first, app_id))
    await bus.wait_for(lambda e: replies_to(first)(e) and e.payload["kind"] == "answer")

    await bus.publish(person_message("How long does shipping take?", second, app_id))
    await bus.publish(person_message("hello?", second, app_id))
    await bus.publish(person_message("How long does shipping take?", first, app_id))  # counted: answered
    await bus.wait_for(lambda e: replies_to(first)(e) and len(bus.of(AiReplyCreatedV1, first)) == 3)
    # The limited chat says nothing more after its notice; its closing (no interaction) marks the end.
    await bus.publish(chat_closed(second, app_id))
    await bus.wait_for(lambda e: replies_to(second)(e) and e.payload["kind"] == "feedback_request")
    assert [(n.kind, n.text) for n in bus.of(AiReplyCreatedV1, second)] == [
        (
            "notice",
            "The AI agent stopped answering: the workspace reached its limit of 1 AI interactions "
            "this month.",
        ),
        ("feedback_request", FEEDBACK_REQUEST),
    ]
    usage = await api.get("/v1/ai/settings", headers=admin)
    assert usage.json()["interactions_this_month"] == 1


async def test_other_messages_get_no_answer(api: httpx.AsyncClient, settings: Settings, bus: Bus) -> None:
    app_id, chat = f"app-{new_id()}", f"chat-{new_id()}"
    agent_said = person_message("How do I reset my password?", chat, app_id)
    payload = {
        **agent_said.payload,
        "message": {**agent_said.payload["message"], "author": {"type": "agent"}},
    }
    await bus.publish(Envelope.model_validate({**agent_said.model_dump(), "payload": payload}))
    live = person_message("How do I reset my password?", chat, app_id)
    await bus.publish(
        Envelope.model_validate({**live.model_dump(), "payload": {**live.payload, "mode": "live"}})
    )
    marker = person_message("hello", chat, app_id)  # handled after both (one chat: one ordered partition)
    await bus.publish(marker)
    received = await bus.wait_for(replies_to(chat))
    assert [e.open(AiReplyCreatedV1).reply_to for e in received if e.chat_id == chat] == [
        marker.payload["message"]["id"]
    ]


async def test_a_deleted_chat_is_forgotten(api: httpx.AsyncClient, settings: Settings, bus: Bus) -> None:
    app_id, chat = f"app-{new_id()}", f"chat-{new_id()}"
    body = {"greeting": "Hi.", "articles": ARTICLES}
    assert (
        await api.put(f"/v1/apps/{app_id}/bot", headers=auth(settings, "u-admin"), json=body)
    ).status_code == 200
    await bus.publish(person_message("my order number is 48213", chat, app_id))
    await bus.wait_for(replies_to(chat))
    mongo = Mongo.from_settings(settings)
    try:
        remembered = mongo.db["bot_conversations"]
        assert (await remembered.find_one({"_id": chat}))["said"] == ["my order number is 48213"]

        deleted = ChatDeletedV1(chat_version=9, teamspace_id=TS, by="u-admin")
        await bus.publish(Envelope.wrap(deleted, workspace_id=WS, chat_id=chat))

        async def forgotten() -> bool:
            return await remembered.find_one({"_id": chat}) is None

        assert await eventually(forgotten)
    finally:
        await mongo.close()
