"""Where a chat stands for routing, and the event that announces a move (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.core.announce import placement_changed, placement_of
from inbox.core.models import Chat
from livechat_shared.contracts import ChatPlacementChangedV1, HandoffTarget

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def chat(**changes: Any) -> Chat:
    values: dict[str, Any] = {
        "id": "chat-1",
        "workspace_id": "ws-1",
        "teamspace_id": "ts-1",
        "app_id": "app-1",
        "app": {"id": "app-1", "channel": "webchat"},
        "person_id": "p-1",
        "person": {"id": "p-1", "name": "Ana"},
        "person_external_id": "visitor-1",
        "mode": "live",
        "status": "open",
        "created_at": NOW,
        "updated_at": NOW,
        "version": 3,
        "next_seq": 3,
    }
    return Chat.model_validate({**values, **changes})


@pytest.mark.parametrize(
    ("mode", "status", "assignee", "placement"),
    [
        ("ai", "open", None, "done"),
        ("ai", "open", "agent-1", "done"),
        ("live", "resolved", "agent-1", "done"),
        ("live", "closed", None, "done"),
        ("live", "open", None, "waiting"),
        ("live", "pending", None, "waiting"),
        ("live", "overdue", None, "waiting"),
        ("live", "open", "agent-1", "held"),
        ("live", "pending", "agent-1", "held"),
        ("live", "overdue", "agent-1", "held"),
    ],
)
def test_placement_of_a_chat(mode: str, status: str, assignee: str | None, placement: str) -> None:
    assert placement_of(chat(mode=mode, status=status, assignee_id=assignee)) == placement


def opened(before: Chat | None, after: Chat) -> ChatPlacementChangedV1 | None:
    envelope = placement_changed(before, after)
    if envelope is None:
        return None
    assert (envelope.workspace_id, envelope.chat_id) == ("ws-1", "chat-1")
    return envelope.open(ChatPlacementChangedV1)


def test_a_handoff_makes_it_wait_with_its_target_and_summary() -> None:
    target = HandoffTarget(team_ids=["t-2"], language="de")
    event = opened(
        chat(mode="ai"),
        chat(status="pending", target=target, handoff_summary="Wants a refund", version=4),
    )
    assert event == ChatPlacementChangedV1(
        chat_version=4, teamspace_id="ts-1", placement="waiting", target=target, summary="Wants a refund"
    )


def test_held_and_done_carry_no_target() -> None:
    target = HandoffTarget(team_ids=["t-2"])
    waiting = chat(status="pending", target=target, handoff_summary="s")
    held = opened(waiting, chat(assignee_id="agent-1", target=target, handoff_summary="s"))
    assert held is not None and (held.placement, held.assignee_id, held.target, held.summary) == (
        "held",
        "agent-1",
        None,
        None,
    )
    done = opened(chat(assignee_id="agent-1"), chat(mode="ai", status="closed", assignee_id="agent-1"))
    assert done is not None and (done.placement, done.assignee_id) == ("done", None)


def test_another_holder_is_a_move_and_no_target_means_anyone() -> None:
    moved = opened(chat(assignee_id="agent-1"), chat(assignee_id="agent-2"))
    assert moved is not None and (moved.placement, moved.assignee_id) == ("held", "agent-2")
    back = opened(chat(assignee_id="agent-1"), chat(status="pending"))
    assert back is not None and (back.placement, back.target) == ("waiting", HandoffTarget())


def test_a_waiting_chat_sent_to_another_team_is_a_move() -> None:
    before = chat(status="pending", target=HandoffTarget(team_ids=["t-1"]))
    after = chat(status="pending", target=HandoffTarget(team_ids=["t-2"]))
    moved = opened(before, after)
    assert moved is not None and moved.target == HandoffTarget(team_ids=["t-2"])
    assert opened(before, before.model_copy(update={"version": 4})) is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (chat(mode="ai"), chat(mode="ai", status="resolved")),  # done either way
        (chat(assignee_id="agent-1"), chat(assignee_id="agent-1", status="overdue")),  # still held
        (chat(), chat(status="pending")),  # still waiting, same target
    ],
)
def test_a_change_within_a_placement_announces_nothing(before: Chat, after: Chat) -> None:
    assert opened(before, after) is None


def test_a_new_chat_in_ai_mode_is_nothing_for_routing() -> None:
    assert opened(None, chat(mode="ai")) is None
    started = opened(None, chat(status="pending"))
    assert started is not None and started.placement == "waiting"
