"""A person's messages from a channel, against in-memory repositories (see ``unit/conftest.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.inbound.use_cases import InboundUseCases
from livechat_shared.contracts import (
    ChatPlacementChangedV1,
    Envelope,
    MessageCreatedV1,
    MessageReceivedV1,
    PersonRef,
)


def use_cases(fakes: Any) -> InboundUseCases:
    return InboundUseCases(
        people=fakes.people,
        chats=fakes.chats,
        messages=fakes.messages,
        writer=fakes.writer,
    )


def received(
    provider_id: str, text: str = "hello", visitor: str = "visitor-1", language: str | None = None
) -> tuple[Envelope, MessageReceivedV1]:
    event = MessageReceivedV1(
        app_id="app-1",
        app_name="Site",
        teamspace_id="ts-1",
        team_ids=["t-1"],
        channel="webchat",
        external_message_id=provider_id,
        person=PersonRef(external_id=visitor, name="Ana", language=language),
        text=text,
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return Envelope.wrap(event, workspace_id="ws-1"), event


async def test_a_first_message_starts_a_chat_in_ai_mode(fakes: Any) -> None:
    message = await use_cases(fakes).receive(*received("m-1"))

    assert message is not None and message.seq == 1
    [chat] = fakes.db.state.chats.values()
    assert (chat.mode, chat.status, chat.team_ids, chat.person.name) == ("ai", "open", ["t-1"], "Ana")
    assert message.author.type == "person" and message.chat_id == chat.id
    # announced to agents, and nothing is sent back to the person
    assert [e.type for e in fakes.db.state.outbox] == ["inbox.chat.changed", "inbox.message.created"]


async def test_later_messages_join_the_same_chat_in_order(fakes: Any) -> None:
    for n in range(3):
        await use_cases(fakes).receive(*received(f"m-{n}", text=f"#{n}"))
    [chat] = fakes.db.state.chats.values()
    assert fakes.people.calls == 1  # only the first message of the chat looks the person up
    assert sorted((m.seq, m.text) for m in fakes.db.state.messages.values()) == [
        (1, "#0"),
        (2, "#1"),
        (3, "#2"),
    ]
    assert chat.version == 3


async def test_the_same_event_twice_is_stored_once(fakes: Any) -> None:
    envelope, event = received("m-1")
    assert await use_cases(fakes).receive(envelope, event) is not None
    assert await use_cases(fakes).receive(envelope, event) is None
    assert len(fakes.db.state.messages) == 1 and len(fakes.db.state.outbox) == 2


async def test_the_same_channel_message_under_a_new_event_id_is_stored_once(fakes: Any) -> None:
    assert await use_cases(fakes).receive(*received("m-1")) is not None
    assert await use_cases(fakes).receive(*received("m-1")) is None
    assert len(fakes.db.state.messages) == 1
    [chat] = fakes.db.state.chats.values()
    assert chat.version == 1  # the repeat's transaction was rolled back


async def test_a_lost_creation_race_is_written_again(fakes: Any) -> None:
    fakes.people.race_once = True
    message = await use_cases(fakes).receive(*received("m-1"))
    assert message is not None and len(fakes.db.state.chats) == 1


async def test_the_persons_language_is_kept_on_the_chat_and_told_with_each_message(fakes: Any) -> None:
    await use_cases(fakes).receive(*received("m-1", language="de"))
    await use_cases(fakes).receive(*received("m-2"))  # the channel does not say it every time
    [chat] = fakes.db.state.chats.values()
    assert chat.person_language == "de"
    created = [e.open(MessageCreatedV1) for e in fakes.db.state.outbox if e.type == "inbox.message.created"]
    assert [(c.language, c.app_id, c.status, c.mode) for c in created] == [("de", "app-1", "open", "ai")] * 2


async def test_a_message_reopening_a_resolved_livechat_puts_it_back_in_routing(fakes: Any) -> None:
    chat = fakes.add_chat(mode="live", status="resolved", assignee_id="agent-1")
    await use_cases(fakes).receive(*received("m-1"))
    assert fakes.db.state.chats[chat.id].status == "open"
    assert [e.type for e in fakes.db.state.outbox] == [
        "inbox.chat.changed",
        "inbox.message.created",
        "inbox.chat.placement_changed",
    ]
    moved = fakes.db.state.outbox[-1].open(ChatPlacementChangedV1)
    assert (moved.placement, moved.assignee_id) == ("held", "agent-1")

    await use_cases(fakes).receive(*received("m-2"))  # an ordinary message: no placement event
    assert [e.type for e in fakes.db.state.outbox][3:] == ["inbox.chat.changed", "inbox.message.created"]
