"""What the AI agent says and decides, stored exactly once, against in-memory repositories (see
``unit/conftest.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.ai_agent.rules import handoff_text, same_rating
from inbox.ai_agent.use_cases import AiAgentUseCases
from inbox.core.models import ANSWERED
from inbox.errors import ChatNotFound
from livechat_shared.contracts import (
    AiReplyCreatedV1,
    ChatChangedV1,
    ChatHandedOffV1,
    ChatPlacementChangedV1,
    Contract,
    Envelope,
    FeedbackCollectedV1,
    HandoffTarget,
    MessageCreatedV1,
    OutboundRequestedV1,
)

AT = datetime(2026, 1, 2, 10, 30, 0, 123456, tzinfo=UTC)


def use_cases(fakes: Any) -> AiAgentUseCases:
    return AiAgentUseCases(chats=fakes.chats, messages=fakes.messages, writer=fakes.writer)


def wrap(event: Contract, chat_id: str, workspace_id: str = "ws-1") -> Envelope:
    return Envelope.wrap(event, workspace_id=workspace_id, chat_id=chat_id)


def kinds(fakes: Any) -> list[str]:
    return [e.type for e in fakes.db.state.outbox]


def reply(kind: str = "answer", text: str = "Our opening hours are 9 to 5.") -> AiReplyCreatedV1:
    return AiReplyCreatedV1.model_validate({"kind": kind, "text": text, "reply_to": "m-1"})


def handoff(
    message: str | None = "Let me find you a person.", teams: list[str] | None = None
) -> ChatHandedOffV1:
    return ChatHandedOffV1(
        teamspace_id="ts-1",
        target=HandoffTarget(team_ids=teams or [], language="de"),
        trigger="request",
        summary="Wants a refund for order 1234",
        message=message,
    )


# --- answers ----------------------------------------------------------------------------------


async def test_an_answer_is_stored_and_delivered_once(fakes: Any) -> None:
    chat = fakes.add_chat(person_language="de")
    envelope = wrap(reply(), chat.id)
    message = await use_cases(fakes).reply_created(envelope, envelope.open(AiReplyCreatedV1))

    assert message is not None and (message.author.type, message.author.name) == ("ai", "AI agent")
    assert (message.seq, message.delivery, message.text) == (2, "pending", "Our opening hours are 9 to 5.")
    assert kinds(fakes) == ["inbox.chat.changed", "inbox.message.created", "inbox.outbound.requested"]
    created = fakes.db.state.outbox[1].open(MessageCreatedV1)
    assert (created.app_id, created.status, created.language, created.mode) == ("app-1", "open", "de", "ai")
    assert fakes.db.state.outbox[2].open(OutboundRequestedV1).message.id == message.id
    assert all(e.causation_id == envelope.event_id for e in fakes.db.state.outbox)

    again = await use_cases(fakes).reply_created(envelope, envelope.open(AiReplyCreatedV1))  # redelivered
    assert again is None
    assert len(fakes.db.state.messages) == 1 and len(fakes.db.state.outbox) == 3
    assert fakes.db.state.chats[chat.id].version == chat.version + 1  # the repeat was rolled back


async def test_a_notice_is_a_line_for_the_agents_only(fakes: Any) -> None:
    chat = fakes.add_chat()
    envelope = wrap(reply("notice", "I could not answer: no article matched."), chat.id)
    message = await use_cases(fakes).reply_created(envelope, envelope.open(AiReplyCreatedV1))
    assert message is not None and (message.author.type, message.delivery) == ("system", None)
    assert kinds(fakes) == ["inbox.chat.changed", "inbox.message.created"]


async def test_an_answer_to_a_chat_an_agent_took_is_dropped(fakes: Any) -> None:
    chat = fakes.add_chat(mode="live", assignee_id="agent-1")
    envelope = wrap(reply(), chat.id)
    assert await use_cases(fakes).reply_created(envelope, envelope.open(AiReplyCreatedV1)) is None
    assert fakes.db.state.chats[chat.id] == chat
    assert fakes.db.state.messages == {} and fakes.db.state.outbox == []


async def test_an_event_for_an_unknown_chat_is_refused(fakes: Any) -> None:
    other = fakes.add_chat(workspace_id="ws-2")
    for chat_id in ("no-such-chat", other.id):
        envelope = wrap(reply(), chat_id)
        with pytest.raises(ChatNotFound):
            await use_cases(fakes).reply_created(envelope, envelope.open(AiReplyCreatedV1))
    assert fakes.db.state.outbox == []


# --- handoffs ---------------------------------------------------------------------------------


async def test_a_handoff_makes_the_chat_a_waiting_livechat(fakes: Any) -> None:
    chat = fakes.add_chat(team_ids=["t-1"])
    envelope = wrap(handoff(teams=["t-2"]), chat.id)
    updated = await use_cases(fakes).handed_off(envelope, envelope.open(ChatHandedOffV1))

    assert updated is not None
    stored = fakes.db.state.chats[chat.id]
    assert (stored.mode, stored.status, stored.assignee_id, stored.team_ids) == (
        "live",
        "pending",
        None,
        ["t-2"],
    )
    assert stored.target == HandoffTarget(team_ids=["t-2"], language="de")
    assert stored.handoff_summary == "Wants a refund for order 1234"
    assert stored.waiting_since is not None and stored.waiting_since < ANSWERED
    assert (stored.version, stored.next_seq) == (chat.version + 1, chat.next_seq + 2)
    lines = sorted(fakes.db.state.messages.values(), key=lambda m: m.seq)
    assert [(m.seq, m.author.type, m.text, m.delivery) for m in lines] == [
        (2, "ai", "Let me find you a person.", "pending"),
        (3, "system", "Handed off to a person: Wants a refund for order 1234", None),
    ]
    assert kinds(fakes) == [
        "inbox.chat.changed",
        "inbox.message.created",
        "inbox.outbound.requested",
        "inbox.message.created",
        "inbox.chat.placement_changed",
    ]
    changed = fakes.db.state.outbox[0].open(ChatChangedV1)
    assert changed.previous_team_ids == ["t-1"]  # the teams that saw it before
    placement = fakes.db.state.outbox[-1].open(ChatPlacementChangedV1)
    assert (placement.placement, placement.chat_version, placement.summary) == (
        "waiting",
        stored.version,
        "Wants a refund for order 1234",
    )
    assert placement.target == HandoffTarget(team_ids=["t-2"], language="de")


async def test_a_handoff_without_words_or_teams_keeps_the_chats_teams(fakes: Any) -> None:
    chat = fakes.add_chat(team_ids=["t-1"])
    envelope = wrap(handoff(message=None), chat.id)
    await use_cases(fakes).handed_off(envelope, envelope.open(ChatHandedOffV1))
    stored = fakes.db.state.chats[chat.id]
    assert stored.team_ids == ["t-1"] and stored.next_seq == chat.next_seq + 1
    assert [m.author.type for m in fakes.db.state.messages.values()] == ["system"]
    assert kinds(fakes) == ["inbox.chat.changed", "inbox.message.created", "inbox.chat.placement_changed"]


async def test_a_handoff_applies_once_and_never_to_a_live_chat(fakes: Any) -> None:
    chat = fakes.add_chat()
    envelope = wrap(handoff(), chat.id)
    assert await use_cases(fakes).handed_off(envelope, envelope.open(ChatHandedOffV1)) is not None
    after, events = fakes.db.state.chats[chat.id], len(fakes.db.state.outbox)
    assert await use_cases(fakes).handed_off(envelope, envelope.open(ChatHandedOffV1)) is None  # redelivered
    # even once the chat is the AI's again (closed meanwhile), the same event stores nothing more
    fakes.db.state.chats[chat.id] = after.model_copy(update={"mode": "ai", "status": "closed"})
    assert await use_cases(fakes).handed_off(envelope, envelope.open(ChatHandedOffV1)) is None
    assert len(fakes.db.state.messages) == 2 and len(fakes.db.state.outbox) == events

    live = fakes.add_chat(mode="live", assignee_id="agent-1")
    other = wrap(handoff(), live.id)
    assert await use_cases(fakes).handed_off(other, other.open(ChatHandedOffV1)) is None
    assert fakes.db.state.chats[live.id] == live


def test_the_handoff_line() -> None:
    assert handoff_text("Wants a refund") == "Handed off to a person: Wants a refund"
    assert handoff_text("") == "Handed off to a person"


# --- ratings ----------------------------------------------------------------------------------


async def test_a_rating_lands_on_the_chat_once(fakes: Any) -> None:
    chat = fakes.add_chat(mode="ai", status="closed")
    event = FeedbackCollectedV1(score=4, comment="Quick, thanks", at=AT)
    updated = await use_cases(fakes).feedback_collected(wrap(event, chat.id), event)
    assert updated is not None and updated.rating == {"score": 4, "comment": "Quick, thanks", "at": AT}
    assert kinds(fakes) == ["inbox.chat.changed"]
    rating = fakes.db.state.outbox[0].open(ChatChangedV1).chat.rating
    assert rating == {"score": 4, "comment": "Quick, thanks", "at": "2026-01-02T10:30:00.123456Z"}
    assert await use_cases(fakes).feedback_collected(wrap(event, chat.id), event) is None  # the same again
    changed = FeedbackCollectedV1(score=5, at=AT)
    assert (await use_cases(fakes).feedback_collected(wrap(changed, chat.id), changed)) is not None
    assert len(fakes.db.state.outbox) == 2


def test_the_same_rating_is_compared_to_the_millisecond_the_database_keeps() -> None:
    new = {"score": 4, "comment": None, "at": AT}
    assert same_rating({"score": 4, "comment": None, "at": AT.replace(microsecond=123000)}, new)
    assert not same_rating({"score": 4, "comment": None, "at": AT.replace(microsecond=124000)}, new)
    assert not same_rating({"score": 3, "comment": None, "at": AT}, new)
    assert not same_rating(None, new)
