"""The AI agent on its chats, over in-memory fakes: answers, fallbacks and handoffs, the monthly
interaction limit, ratings after a closed chat, the generative brain, and what it ignores."""

from __future__ import annotations

from typing import Any

import pytest
from aiagent.bots.schemas import AiSettings, BotConfig
from aiagent.conversations.rules import FEEDBACK_REQUEST, FEEDBACK_THANKS
from aiagent.conversations.schemas import LlmDecision
from aiagent.conversations.use_cases import ConversationUseCases
from aiagent.errors import InteractionLimitReached
from livechat_shared.contracts import (
    AiReplyCreatedV1,
    AppRef,
    Author,
    ChatClosedV1,
    ChatHandedOffV1,
    Envelope,
    FeedbackCollectedV1,
    MessageCreatedV1,
    MessageView,
)
from livechat_shared.ids import new_id

from ..conftest import NOW, FakeLlm, Fakes

WS, APP, TS = "ws-1", "app-1", "ts-1"
ARTICLES = [
    {"id": "password", "question": "How do I reset my password?", "answer": "Open Settings, then Security."},
    {"id": "shipping", "question": "How long does shipping take?", "answer": "Orders arrive in 3 to 5 days."},
]


def configure(fakes: Fakes, app_id: str = APP, **fields: Any) -> BotConfig:
    config = BotConfig.model_validate({"greeting": "", "articles": ARTICLES, **fields})
    fakes.world.configs[(WS, app_id)] = config
    return config


def message(
    text: str,
    chat_id: str = "chat-1",
    *,
    mode: str = "ai",
    author: str = "person",
    language: str | None = None,
    app_id: str | None = APP,
) -> Envelope:
    event = MessageCreatedV1(
        chat_version=1,
        teamspace_id=TS,
        mode=mode,  # type: ignore[arg-type]
        app_id=app_id,
        status="open",
        language=language,
        message=MessageView(
            id=new_id(),
            chat_id=chat_id,
            seq=1,
            author=Author(type=author),  # type: ignore[arg-type]
            text=text,
            created_at=NOW,
        ),
    )
    return Envelope.wrap(event, workspace_id=WS, chat_id=chat_id)


def closed(chat_id: str = "chat-1") -> Envelope:
    event = ChatClosedV1(
        chat_version=5,
        teamspace_id=TS,
        app=AppRef(id=APP, channel="webchat"),
        person_external_id="visitor-1",
        closed_by="agent-1",
    )
    return Envelope.wrap(event, workspace_id=WS, chat_id=chat_id)


async def say(use_cases: ConversationUseCases, envelope: Envelope) -> list[Envelope]:
    return await use_cases.on_message(envelope, envelope.open(MessageCreatedV1))


def replies(events: list[Envelope]) -> list[AiReplyCreatedV1]:
    return [e.open(AiReplyCreatedV1) for e in events if e.type == AiReplyCreatedV1.event_type]


def handoffs(events: list[Envelope]) -> list[ChatHandedOffV1]:
    return [e.open(ChatHandedOffV1) for e in events if e.type == ChatHandedOffV1.event_type]


async def test_answers_with_the_article_it_came_from(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(fakes)
    asked = message("how do I reset my PASSWORD")
    events = await say(conversations, asked)
    (answer,) = replies(events)
    assert (answer.kind, answer.text, answer.article_id, answer.article_title) == (
        "answer",
        "Open Settings, then Security.",
        "password",
        "How do I reset my password?",
    )
    assert answer.reply_to == asked.open(MessageCreatedV1).message.id and answer.confidence == pytest.approx(
        1.0
    )
    assert fakes.world.outbox == events
    assert all((e.workspace_id, e.chat_id, e.causation_id) == (WS, "chat-1", asked.event_id) for e in events)
    assert fakes.world.counters == {f"{WS}:2025-03": 1}  # the chat counts as this month's interaction


async def test_greets_on_the_first_message_and_answers_it_when_confident(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(fakes, greeting="Hi, I am the bot.")
    first = replies(await say(conversations, message("How long does shipping take?")))
    assert [(r.kind, r.text, r.article_id) for r in first] == [
        ("greeting", "Hi, I am the bot.", None),
        ("answer", "Orders arrive in 3 to 5 days.", "shipping"),
    ]
    # Another chat: a first message without a confident article gets the greeting only.
    other = replies(await say(conversations, message("hello there", chat_id="chat-2")))
    assert [(r.kind, r.text) for r in other] == [("greeting", "Hi, I am the bot.")]
    assert fakes.world.conversations["chat-2"].memory.low_confidence_in_a_row == 0
    # Greeted once: the next message is answered (here: a fallback).
    again = replies(await say(conversations, message("hello again", chat_id="chat-2")))
    assert [r.kind for r in again] == ["fallback"]


async def test_fallbacks_in_a_row_hand_the_chat_off(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(
        fakes, max_low_confidence_in_a_row=2, fallback_answer="Pardon?", handoff_answer="A person comes."
    )
    first = await say(conversations, message("what is the weather like"))
    assert [(r.kind, r.text, r.article_id) for r in replies(first)] == [("fallback", "Pardon?", None)]
    second_message = message("and tomorrow?")
    second = await say(conversations, second_message)
    assert replies(second) == []
    (handoff,) = handoffs(second)
    assert handoff.trigger == "low_confidence"
    assert handoff.message == "A person comes."
    assert handoff.teamspace_id == TS
    assert handoff.reply_to == second_message.open(MessageCreatedV1).message.id
    assert handoff.summary == (
        'Handoff: 2 answers without confidence. The person wrote 2 messages. First: "what is the weather '
        'like". Last: "and tomorrow?".'
    )
    assert handoff.target.user_ids == [] and handoff.target.language is None
    state = fakes.world.conversations["chat-1"]
    assert state.memory.low_confidence_in_a_row == 0 and state.said == []


@pytest.mark.parametrize(("by_language", "language"), [(True, "fr"), (False, None)])
async def test_a_keyword_hands_off_to_the_configured_target(
    conversations: ConversationUseCases, fakes: Fakes, by_language: bool, language: str | None
) -> None:
    configure(
        fakes,
        handoff={
            "target": {"user_ids": ["u-1"], "team_ids": ["t-1"], "availability_check": False},
            "by_language": by_language,
        },
    )
    events = await say(conversations, message("Je veux un HUMAIN", language="fr"))
    (handoff,) = handoffs(events)
    assert handoff.trigger == "keyword"
    assert handoff.target.model_dump() == {
        "user_ids": ["u-1"],
        "team_ids": ["t-1"],
        "language": language,
        "availability_check": False,
    }
    assert handoff.summary == 'Handoff: asked for a human. The person wrote 1 message: "Je veux un HUMAIN".'


async def test_past_the_monthly_limit_a_chat_gets_one_notice_then_silence(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(fakes)
    fakes.world.settings[WS] = AiSettings(monthly_interaction_limit=1)
    assert replies(await say(conversations, message("shipping take long?", chat_id="A")))[0].kind == "answer"

    told = await say(conversations, message("How do I reset my password?", chat_id="B"))
    assert [(r.kind, r.text) for r in replies(told)] == [
        (
            "notice",
            "The AI agent stopped answering: the workspace reached its limit of 1 AI interactions "
            "this month.",
        )
    ]
    assert await say(conversations, message("How do I reset my password?", chat_id="B")) == []
    assert await say(conversations, message("hello?", chat_id="B")) == []
    # The chat counted this month goes on being answered; the count stays at the limit.
    assert [r.kind for r in replies(await say(conversations, message("reset my password", chat_id="A")))] == [
        "answer"
    ]
    assert fakes.world.counters == {f"{WS}:2025-03": 1}
    assert len(fakes.world.outbox) == 3


async def test_a_limit_reached_meanwhile_is_decided_again(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(fakes)
    fakes.world.settings[WS] = AiSettings(monthly_interaction_limit=1)
    usage = conversations.usage
    count_chat = usage.count_chat

    async def another_chat_first(workspace_id: str, month: str, chat_id: str, session: Any) -> int:
        await count_chat(workspace_id, month, "other-chat", session)  # counted between decision and commit
        return await count_chat(workspace_id, month, chat_id, session)

    usage.count_chat = another_chat_first  # type: ignore[method-assign]
    with pytest.raises(InteractionLimitReached):
        await say(conversations, message("How do I reset my password?"))
    assert fakes.world.outbox == [] and fakes.world.counters == {}  # rolled back: retried from the bus


async def test_a_closed_chat_asks_for_a_rating_and_collects_it(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(fakes, max_low_confidence_in_a_row=3)
    await say(conversations, message("what is the weather like"))  # a fallback: one in a row
    closing = closed()
    (request,) = replies(await conversations.on_closed(closing, closing.open(ChatClosedV1)))
    assert (request.kind, request.text, request.reply_to) == ("feedback_request", FEEDBACK_REQUEST, None)
    state = fakes.world.conversations["chat-1"]
    assert state.awaiting_feedback and state.memory.low_confidence_in_a_row == 0 and state.said == []

    rated = message(" 4 ")
    events = await say(conversations, rated)
    assert [e.type for e in events] == [FeedbackCollectedV1.event_type, AiReplyCreatedV1.event_type]
    feedback = events[0].open(FeedbackCollectedV1)
    assert (feedback.score, feedback.at) == (4, NOW)
    (thanks,) = replies(events)
    assert (thanks.kind, thanks.text) == ("feedback_thanks", FEEDBACK_THANKS)
    assert not fakes.world.conversations["chat-1"].awaiting_feedback
    # Rated once: a later "5" is a message like any other.
    assert [r.kind for r in replies(await say(conversations, message("5")))] == ["fallback"]


async def test_a_reply_that_is_no_rating_is_answered_and_ends_the_wait(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(fakes)
    closing = closed()
    await conversations.on_closed(closing, closing.open(ChatClosedV1))
    events = await say(conversations, message("How long does shipping take?"))
    assert [(r.kind, r.article_id) for r in replies(events)] == [("answer", "shipping")]
    assert not fakes.world.conversations["chat-1"].awaiting_feedback
    assert [r.kind for r in replies(await say(conversations, message("3")))] == ["fallback"]


@pytest.mark.parametrize(
    "envelope",
    [
        message("How do I reset my password?", mode="live"),
        message("How do I reset my password?", author="agent"),
        message("How do I reset my password?", author="ai"),
        message("How do I reset my password?", author="system"),
        message("How do I reset my password?", app_id=None),
    ],
    ids=["live-mode", "agent", "ai", "system", "no-app"],
)
async def test_other_messages_are_ignored_without_reading_anything(
    conversations: ConversationUseCases, fakes: Fakes, envelope: Envelope
) -> None:
    configure(fakes)
    assert await say(conversations, envelope) == []
    assert fakes.reads == 0 and fakes.world.outbox == [] and fakes.tx.commits == 0


async def test_a_disabled_bot_says_nothing(conversations: ConversationUseCases, fakes: Fakes) -> None:
    configure(fakes, enabled=False)
    assert await say(conversations, message("How do I reset my password?")) == []
    closing = closed()
    assert await conversations.on_closed(closing, closing.open(ChatClosedV1)) == []
    assert fakes.world.outbox == [] and fakes.world.conversations == {} and fakes.world.counters == {}


async def test_an_app_without_configuration_uses_the_defaults(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    events = await say(conversations, message("I need an agent please"))
    assert [r.kind for r in replies(events)] == ["greeting"]
    assert handoffs(events)[0].trigger == "keyword"


async def test_a_redelivered_event_publishes_nothing_twice(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(fakes)
    asked = message("How do I reset my password?")
    first = await say(conversations, asked)
    assert len(first) == 1
    assert await say(conversations, asked) == []

    async def not_seen(event_id: str) -> bool:  # a redelivery racing the first delivery's commit
        return False

    conversations.processed.seen = not_seen  # type: ignore[method-assign]
    assert await say(conversations, asked) == []  # the commit's record collides: rolled back
    assert fakes.world.conversations["chat-1"].version == 1
    closing = closed()
    assert len(await conversations.on_closed(closing, closing.open(ChatClosedV1))) == 1
    assert await conversations.on_closed(closing, closing.open(ChatClosedV1)) == []
    assert len(fakes.world.outbox) == 2


async def test_the_generative_brain_answers_with_an_article(
    conversations: ConversationUseCases, fakes: Fakes, llm: FakeLlm
) -> None:
    configure(fakes, llm={"base_url": "http://llm.test/v1", "model": "m", "api_key": "sk-1"})
    await say(conversations, message("hello"))  # history for the next one
    llm.decision = LlmDecision(answer="Use Settings > Security.", article_id="password")
    (answer,) = replies(await say(conversations, message("forgot my password")))
    assert (answer.kind, answer.text, answer.article_id, answer.article_title, answer.confidence) == (
        "answer",
        "Use Settings > Security.",
        "password",
        "How do I reset my password?",
        None,
    )
    config, request = llm.requests[-1]
    assert (config.api_key, request.text, request.history) == ("sk-1", "forgot my password", ["hello"])
    assert [a.id for a in request.articles] == ["password"]


async def test_the_generative_brain_names_no_unknown_article(
    conversations: ConversationUseCases, fakes: Fakes, llm: FakeLlm
) -> None:
    configure(fakes, llm={"base_url": "http://llm.test/v1", "model": "m"})
    llm.decision = LlmDecision(answer="It depends.", article_id="made-up")
    (answer,) = replies(await say(conversations, message("anything")))
    assert (answer.kind, answer.article_id, answer.article_title) == ("answer", None, None)


async def test_the_generative_brain_hands_off(
    conversations: ConversationUseCases, fakes: Fakes, llm: FakeLlm
) -> None:
    configure(fakes, llm={"base_url": "http://llm.test/v1", "model": "m"}, handoff_answer="Transferring.")
    llm.decision = LlmDecision(answer="", handoff=True)
    events = await say(conversations, message("my order arrived broken"))
    (handoff,) = handoffs(events)
    assert (handoff.trigger, handoff.message) == ("llm", "Transferring.")
    assert replies(events) == []


async def test_without_an_answer_from_the_model_the_rules_answer(
    conversations: ConversationUseCases, fakes: Fakes, llm: FakeLlm
) -> None:
    configure(fakes, llm={"base_url": "http://llm.test/v1", "model": "m"})
    llm.decision = None  # timed out, refused, or unparseable
    (answer,) = replies(await say(conversations, message("How do I reset my password?")))
    assert (answer.kind, answer.article_id) == ("answer", "password")
    assert len(llm.requests) == 1


async def test_a_handoff_keyword_needs_no_model(
    conversations: ConversationUseCases, fakes: Fakes, llm: FakeLlm
) -> None:
    configure(fakes, llm={"base_url": "http://llm.test/v1", "model": "m"})
    assert handoffs(await say(conversations, message("a real person please")))[0].trigger == "keyword"
    assert llm.requests == []


async def test_a_deleted_chat_is_forgotten_with_the_persons_words(
    conversations: ConversationUseCases, fakes: Fakes
) -> None:
    configure(fakes)
    await say(conversations, message("my card number is in here"))
    assert fakes.world.conversations["chat-1"].said == ["my card number is in here"]

    await conversations.on_deleted("chat-1")
    await conversations.on_deleted("chat-1")  # redelivered

    assert "chat-1" not in fakes.world.conversations
