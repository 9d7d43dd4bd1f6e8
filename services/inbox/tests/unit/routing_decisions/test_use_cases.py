"""Routing's decisions applied to chats, against in-memory repositories (see ``unit/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from inbox.routing_decisions.rules import why_not_assign, why_not_unassign
from inbox.routing_decisions.use_cases import RoutingDecisionUseCases
from livechat_shared.contracts import (
    ChatAssignedV1,
    ChatChangedV1,
    ChatPlacementChangedV1,
    ChatUnassignedV1,
    Contract,
    DirectoryUser,
    Envelope,
    HandoffTarget,
)


class Staff:
    async def user(self, user_id: str) -> DirectoryUser | None:
        if user_id == "agent-1":
            return DirectoryUser(id="agent-1", workspace_id="ws-1", name="Ana", role="agent", version=1)
        return None


def use_cases(fakes: Any) -> RoutingDecisionUseCases:
    return RoutingDecisionUseCases(
        chats=fakes.chats, messages=fakes.messages, staff=Staff(), writer=fakes.writer
    )


def wrap(event: Contract, chat_id: str) -> Envelope:
    return Envelope.wrap(event, workspace_id="ws-1", chat_id=chat_id)


def assigned(agent: str = "agent-1") -> ChatAssignedV1:
    return ChatAssignedV1(
        teamspace_id="ts-1",
        assignee_id=agent,
        method="balanced",
        reason="fewest open chats (1)",
        chat_version=2,
    )


def unassigned(agent: str = "agent-1") -> ChatUnassignedV1:
    return ChatUnassignedV1(teamspace_id="ts-1", from_assignee_id=agent, reason="away for 300 s")


def kinds(fakes: Any) -> list[str]:
    return [e.type for e in fakes.db.state.outbox]


def waiting(fakes: Any, **changes: Any) -> Any:
    values = {
        "mode": "live",
        "status": "pending",
        "target": HandoffTarget(team_ids=["t-1"]),
        "handoff_summary": "s",
    }
    return fakes.add_chat(**{**values, **changes})


async def test_an_assignment_makes_the_agent_hold_a_waiting_chat(fakes: Any) -> None:
    chat = waiting(fakes)
    envelope = wrap(assigned(), chat.id)
    updated = await use_cases(fakes).assigned(envelope, envelope.open(ChatAssignedV1))

    assert updated is not None and (updated.assignee_id, updated.status, updated.mode) == (
        "agent-1",
        "open",
        "live",
    )
    [line] = fakes.db.state.messages.values()
    assert (line.author.type, line.text, line.delivery) == (
        "system",
        "Assigned to Ana — fewest open chats (1)",
        None,
    )
    assert kinds(fakes) == ["inbox.chat.changed", "inbox.message.created", "inbox.chat.placement_changed"]
    changed = fakes.db.state.outbox[0].open(ChatChangedV1)
    assert (changed.previous_assignee_id, changed.previous_team_ids) == (None, ["t-1"])
    held = fakes.db.state.outbox[-1].open(ChatPlacementChangedV1)
    assert (held.placement, held.assignee_id, held.chat_version) == ("held", "agent-1", updated.version)
    assert all(e.causation_id == envelope.event_id for e in fakes.db.state.outbox)

    again = await use_cases(fakes).assigned(envelope, envelope.open(ChatAssignedV1))  # redelivered
    assert again is None and len(fakes.db.state.outbox) == 3


async def test_an_overdue_waiting_chat_is_still_assigned_and_an_unknown_agent_goes_by_id(fakes: Any) -> None:
    chat = waiting(fakes, status="overdue")
    envelope = wrap(assigned("agent-7"), chat.id)
    assert await use_cases(fakes).assigned(envelope, envelope.open(ChatAssignedV1)) is not None
    [line] = fakes.db.state.messages.values()
    assert line.text == "Assigned to agent-7 — fewest open chats (1)"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"mode": "live", "status": "open", "assignee_id": "agent-2"}, "held by another agent"),  # taken over
        ({"mode": "live", "status": "open", "assignee_id": "agent-1"}, "already held by the assignee"),
        ({"mode": "ai", "status": "closed"}, "the chat is in AI mode"),
        ({"mode": "live", "status": "resolved"}, "the chat is resolved"),
    ],
)
async def test_an_assignment_for_a_chat_no_longer_waiting_changes_nothing(
    fakes: Any, changes: dict[str, Any], reason: str
) -> None:
    chat = fakes.add_chat(**changes)
    assert why_not_assign(chat, "agent-1") == reason
    envelope = wrap(assigned(), chat.id)
    assert await use_cases(fakes).assigned(envelope, envelope.open(ChatAssignedV1)) is None
    assert fakes.db.state.chats[chat.id] == chat
    assert fakes.db.state.messages == {} and fakes.db.state.outbox == []


async def test_unassigned_puts_the_chat_back_in_the_queue_with_its_target(fakes: Any) -> None:
    chat = fakes.add_chat(
        mode="live",
        status="open",
        assignee_id="agent-1",
        target=HandoffTarget(team_ids=["t-1"]),
        handoff_summary="s",
    )
    envelope = wrap(unassigned(), chat.id)
    updated = await use_cases(fakes).unassigned(envelope, envelope.open(ChatUnassignedV1))

    assert updated is not None and (updated.assignee_id, updated.status) == (None, "pending")
    [line] = fakes.db.state.messages.values()
    assert line.text == "Ana was away too long: back in the queue"
    assert kinds(fakes) == ["inbox.chat.changed", "inbox.message.created", "inbox.chat.placement_changed"]
    assert fakes.db.state.outbox[0].open(ChatChangedV1).previous_assignee_id == "agent-1"
    back = fakes.db.state.outbox[-1].open(ChatPlacementChangedV1)
    assert (back.placement, back.assignee_id, back.target, back.summary) == (
        "waiting",
        None,
        HandoffTarget(team_ids=["t-1"]),
        "s",
    )


async def test_unassigned_without_a_stored_target_offers_the_chat_to_anyone(fakes: Any) -> None:
    chat = fakes.add_chat(mode="live", status="open", assignee_id="agent-1")
    envelope = wrap(unassigned(), chat.id)
    await use_cases(fakes).unassigned(envelope, envelope.open(ChatUnassignedV1))
    assert fakes.db.state.outbox[-1].open(ChatPlacementChangedV1).target == HandoffTarget()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"mode": "live", "status": "open", "assignee_id": "agent-2"}, "held by another agent"),
        ({"mode": "live", "status": "pending"}, "the chat is waiting"),
        ({"mode": "ai", "status": "closed", "assignee_id": "agent-1"}, "the chat is done"),
    ],
)
async def test_unassigned_from_an_agent_who_no_longer_holds_it_changes_nothing(
    fakes: Any, changes: dict[str, Any], reason: str
) -> None:
    chat = fakes.add_chat(**changes)
    assert why_not_unassign(chat, "agent-1") == reason
    envelope = wrap(unassigned(), chat.id)
    assert await use_cases(fakes).unassigned(envelope, envelope.open(ChatUnassignedV1)) is None
    assert fakes.db.state.chats[chat.id] == chat and fakes.db.state.outbox == []
