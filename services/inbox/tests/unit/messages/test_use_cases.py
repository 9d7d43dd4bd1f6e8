"""Replies and delivery updates, against in-memory repositories (see ``unit/conftest.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.errors import ChatNotFound, NotAssignee, UnknownAlias, WriteConflict
from inbox.messages.schemas import ReplyCreate
from inbox.messages.use_cases import MessageUseCases
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import (
    ChatPlacementChangedV1,
    DeliveryUpdatedV1,
    Envelope,
    MessageCreatedV1,
    MessageUpdatedV1,
)

AGENT = Principal(
    user_id="agent-1", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1"}), name="Ana"
)
SUPERVISOR = Principal(user_id="sup-1", workspace_id="ws-1", role=Role.SUPERVISOR, teams=frozenset({"t-1"}))
OUTSIDER = Principal(user_id="agent-9", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-9"}))


class Aliases:
    async def alias_name(self, workspace_id: str, alias_id: str) -> str | None:
        return {("ws-1", "alias-1"): "Support team"}.get((workspace_id, alias_id))


def use_cases(fakes: Any) -> MessageUseCases:
    return MessageUseCases(chats=fakes.chats, messages=fakes.messages, writer=fakes.writer, aliases=Aliases())


def body(client_id: str = "c-1", **changes: Any) -> ReplyCreate:
    return ReplyCreate.model_validate({"text": "On its way!", "client_message_id": client_id, **changes})


def kinds(fakes: Any) -> list[str]:
    return [e.type for e in fakes.db.state.outbox]


async def test_a_reply_to_an_ai_chat_takes_it(fakes: Any) -> None:
    chat = fakes.add_chat()
    sent = await use_cases(fakes).reply(AGENT, chat.id, body(), takeover=False, correlation_id="corr-1")

    assert sent.created
    stored = fakes.db.state.chats[chat.id]
    assert (stored.assignee_id, stored.mode, stored.version) == ("agent-1", "live", chat.version + 1)
    assert sent.message.seq == chat.next_seq + 1
    assert (sent.message.author.type, sent.message.author.id, sent.message.delivery) == (
        "agent",
        "agent-1",
        "pending",
    )
    assert kinds(fakes) == [
        "inbox.chat.changed",
        "inbox.message.created",
        "inbox.outbound.requested",
        "inbox.chat.placement_changed",  # taken from the AI: held by the agent now
    ]
    placement = fakes.db.state.outbox[-1].open(ChatPlacementChangedV1)
    assert (placement.placement, placement.assignee_id, placement.chat_version) == ("held", "agent-1", 2)
    created = fakes.db.state.outbox[1].open(MessageCreatedV1)
    assert (created.app_id, created.status, created.mode) == ("app-1", "open", "live")
    assert {e.correlation_id for e in fakes.db.state.outbox} == {"corr-1"}
    assert fakes.db.notified == 1


async def test_the_assignee_sends_without_changing_who_holds_the_chat(fakes: Any) -> None:
    chat = fakes.add_chat(assignee_id="agent-1", mode="live")
    sent = await use_cases(fakes).reply(AGENT, chat.id, body(), takeover=False, correlation_id=None)
    assert sent.created
    assert fakes.db.state.chats[chat.id].assignee_id == "agent-1"


async def test_someone_elses_chat_is_refused_without_takeover(fakes: Any) -> None:
    chat = fakes.add_chat(assignee_id="agent-2", mode="live")
    with pytest.raises(NotAssignee):
        await use_cases(fakes).reply(SUPERVISOR, chat.id, body(), takeover=False, correlation_id=None)
    assert fakes.db.state.messages == {} and fakes.db.state.outbox == []
    assert fakes.db.state.chats[chat.id] == chat


async def test_an_agent_cannot_take_over_another_agents_chat(fakes: Any) -> None:
    """An agent does not see a chat someone else holds, so for them it does not exist (404)."""
    chat = fakes.add_chat(assignee_id="agent-2", mode="live", team_ids=["t-1"])
    with pytest.raises(ChatNotFound):
        await use_cases(fakes).reply(AGENT, chat.id, body(), takeover=True, correlation_id=None)
    assert fakes.db.state.messages == {}


async def test_a_supervisor_takes_over(fakes: Any) -> None:
    chat = fakes.add_chat(assignee_id="agent-2", mode="live")
    sent = await use_cases(fakes).reply(SUPERVISOR, chat.id, body(), takeover=True, correlation_id=None)
    assert sent.created
    assert fakes.db.state.chats[chat.id].assignee_id == "sup-1"


async def test_a_repeated_reply_is_stored_once(fakes: Any) -> None:
    chat = fakes.add_chat()
    first = await use_cases(fakes).reply(AGENT, chat.id, body("same"), takeover=False, correlation_id=None)
    events = len(fakes.db.state.outbox)
    again = await use_cases(fakes).reply(AGENT, chat.id, body("same"), takeover=False, correlation_id=None)

    assert (first.created, again.created) == (True, False)
    assert again.message.id == first.message.id
    assert len(fakes.db.state.messages) == 1
    assert len(fakes.db.state.outbox) == events


async def test_a_chat_outside_the_users_scope_does_not_exist_for_them(fakes: Any) -> None:
    chat = fakes.add_chat()
    with pytest.raises(ChatNotFound):
        await use_cases(fakes).reply(OUTSIDER, chat.id, body(), takeover=True, correlation_id=None)
    with pytest.raises(ChatNotFound):
        await use_cases(fakes).reply(AGENT, "no-such-chat", body(), takeover=False, correlation_id=None)


async def test_an_unknown_alias_is_refused_and_nothing_is_stored(fakes: Any) -> None:
    chat = fakes.add_chat()
    with pytest.raises(UnknownAlias):
        await use_cases(fakes).reply(
            AGENT, chat.id, body(alias_id="alias-9"), takeover=False, correlation_id=None
        )
    assert fakes.db.state.messages == {}


async def test_a_reply_goes_out_under_its_alias_with_its_variables_filled(fakes: Any) -> None:
    chat = fakes.add_chat(custom_fields={"order": "48213", "vip": True})
    text = (
        "Hi {{person.name}}, {{agent.name}} here about order {{cf.order}} ({{ chat.id }}){{cf.none}} {{x.y}}"
    )
    sent = await use_cases(fakes).reply(
        AGENT, chat.id, body(text=text, alias_id="alias-1"), takeover=False, correlation_id=None
    )
    assert (sent.message.author.name, sent.message.author.alias) == ("Ana", "Support team")
    assert sent.message.text == f"Hi Ana, Support team here about order 48213 ({chat.id}) {{{{x.y}}}}"
    [request] = [e for e in fakes.db.state.outbox if e.type == "inbox.outbound.requested"]
    outbound = request.payload["message"]
    assert (outbound["text"], outbound["author"]["alias"]) == (sent.message.text, "Support team")


async def test_a_reply_racing_another_change_is_written_again(fakes: Any) -> None:
    chat = fakes.add_chat()
    raced = []

    def racing_writer(stored: Any) -> None:
        if not raced:  # another writer bumps the chat between our read and our update, once
            raced.append(True)
            fakes.db.state.chats[stored.id] = stored.model_copy(update={"version": stored.version + 1})

    fakes.db.before_update = racing_writer
    sent = await use_cases(fakes).reply(AGENT, chat.id, body(), takeover=False, correlation_id=None)
    assert sent.created and raced
    assert sent.message.seq == chat.next_seq + 1
    assert len(fakes.db.state.messages) == 1


async def test_a_chat_that_never_stops_changing_is_a_conflict(fakes: Any) -> None:
    chat = fakes.add_chat()

    def always_racing(stored: Any) -> None:
        fakes.db.state.chats[stored.id] = stored.model_copy(update={"version": stored.version + 1})

    fakes.db.before_update = always_racing
    with pytest.raises(WriteConflict):
        await use_cases(fakes).reply(AGENT, chat.id, body(), takeover=False, correlation_id=None)
    assert fakes.db.state.messages == {} and fakes.db.state.outbox == []


async def test_history_pages_by_seq(fakes: Any) -> None:
    chat = fakes.add_chat()
    for n in range(3):
        await use_cases(fakes).reply(AGENT, chat.id, body(f"c-{n}"), takeover=False, correlation_id=None)
    page = await use_cases(fakes).history(AGENT, chat.id, after_seq=0, limit=2)
    assert [m.seq for m in page.items] == [2, 3]
    assert (page.total, page.next_after_seq) == (3, 3)
    rest = await use_cases(fakes).history(AGENT, chat.id, after_seq=page.next_after_seq, limit=2)
    assert [m.seq for m in rest.items] == [4]
    with pytest.raises(ChatNotFound):
        await use_cases(fakes).history(OUTSIDER, chat.id, after_seq=0, limit=2)


def report(message_id: str, state: str) -> tuple[Envelope, DeliveryUpdatedV1]:
    event = DeliveryUpdatedV1(
        app_id="app-1", chat_id="c", message_id=message_id, state=state, at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    return Envelope.wrap(event, workspace_id="ws-1"), event


async def test_delivery_moves_forward_and_is_announced(fakes: Any) -> None:
    chat = fakes.add_chat()
    sent = await use_cases(fakes).reply(AGENT, chat.id, body(), takeover=False, correlation_id=None)
    fakes.db.state.outbox.clear()

    updated = await use_cases(fakes).delivery_updated(*report(sent.message.id, "sent"))
    assert updated is not None and updated.delivery == "sent"
    [event] = fakes.db.state.outbox
    assert event.open(MessageUpdatedV1).message.delivery == "sent"

    assert await use_cases(fakes).delivery_updated(*report(sent.message.id, "delivered")) is not None
    # late and repeated reports change nothing and announce nothing
    assert await use_cases(fakes).delivery_updated(*report(sent.message.id, "sent")) is None
    assert await use_cases(fakes).delivery_updated(*report(sent.message.id, "delivered")) is None
    assert await use_cases(fakes).delivery_updated(*report("unknown", "delivered")) is None
    assert fakes.db.state.messages[sent.message.id].delivery == "delivered"
    assert len(fakes.db.state.outbox) == 2
