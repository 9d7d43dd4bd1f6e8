"""A person's messages from a channel, against in-memory repositories (see ``unit/conftest.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.inbound.use_cases import InboundUseCases
from livechat_shared.contracts import Envelope, MessageReceivedV1, PersonRef


def use_cases(fakes: Any) -> InboundUseCases:
    return InboundUseCases(
        people=fakes.people,
        chats=fakes.chats,
        messages=fakes.messages,
        writer=fakes.writer,
    )


def received(
    provider_id: str, text: str = "hello", visitor: str = "visitor-1"
) -> tuple[Envelope, MessageReceivedV1]:
    event = MessageReceivedV1(
        app_id="app-1",
        app_name="Site",
        teamspace_id="ts-1",
        team_ids=["t-1"],
        channel="webchat",
        external_message_id=provider_id,
        person=PersonRef(external_id=visitor, name="Ana"),
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
