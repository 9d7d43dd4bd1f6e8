"""Who may transfer a chat, and what a transfer changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.core.models import Chat
from inbox.transfers.rules import may_transfer, system_text, to_agent, to_team
from inbox.transfers.schemas import TransferRequest
from livechat_shared.auth import Permission, Principal, Role
from pydantic import ValidationError

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def chat(**changes: Any) -> Chat:
    values: dict[str, Any] = {
        "id": "c-1",
        "workspace_id": "ws-1",
        "teamspace_id": "ts-1",
        "app_id": "app-1",
        "app": {"id": "app-1", "channel": "webchat", "name": "Site"},
        "person_id": "p-1",
        "person": {"id": "p-1", "name": "Ana"},
        "person_external_id": "v-1",
        "mode": "live",
        "status": "open",
        "assignee_id": "agent-1",
        "team_ids": ["t-1"],
        "created_at": T0,
        "updated_at": T0,
        "version": 3,
        "next_seq": 3,
    }
    return Chat.model_validate({**values, **changes})


def user(user_id: str, role: Role = Role.AGENT, grants: frozenset[Permission] = frozenset()) -> Principal:
    return Principal(user_id=user_id, workspace_id="ws-1", role=role, teams=frozenset({"t-1"}), grants=grants)


def test_the_assignee_or_the_transfer_permission() -> None:
    assert may_transfer(user("agent-1"), chat())
    assert not may_transfer(user("agent-2"), chat())
    assert not may_transfer(user("agent-2"), chat(assignee_id=None))
    assert may_transfer(user("agent-2", grants=frozenset({Permission.TRANSFER})), chat())
    assert may_transfer(user("sup-1", Role.SUPERVISOR), chat())


def test_to_an_agent_opens_a_waiting_chat_and_to_a_team_makes_it_wait() -> None:
    assert to_agent(chat(status="pending", mode="ai"), "agent-2") == {
        "assignee_id": "agent-2",
        "mode": "live",
        "status": "open",
    }
    assert to_agent(chat(status="overdue"), "agent-2") == {"assignee_id": "agent-2", "mode": "live"}
    assert to_team("t-2") == {
        "assignee_id": None,
        "team_ids": ["t-2"],
        "mode": "live",
        "status": "pending",
        "target": {"user_ids": [], "team_ids": ["t-2"], "language": None, "availability_check": True},
    }


def test_the_history_line_and_the_request_shape() -> None:
    assert system_text("Ada", agent="Ben") == "Ada transferred the chat to Ben"
    assert system_text("Ada", team="Sales") == "Ada transferred the chat to team Sales"
    for bad in ({}, {"agent_id": "a", "team_id": "t"}, {"agent_id": ""}, {"agent": "a"}):
        with pytest.raises(ValidationError):
            TransferRequest.model_validate(bad)
