"""Transfers against in-memory repositories: the placement event routing needs."""

from __future__ import annotations

from typing import Any

from inbox.transfers.schemas import TransferRequest
from inbox.transfers.use_cases import TransferUseCases
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import ChatPlacementChangedV1, DirectoryUser, HandoffTarget

ADMIN = Principal(user_id="admin-1", workspace_id="ws-1", role=Role.ADMIN, name="Ada")


class Staff:
    async def user(self, user_id: str) -> DirectoryUser | None:
        return DirectoryUser(id=user_id, workspace_id="ws-1", name="Ben", role="agent", version=1)

    async def team_has_members(self, workspace_id: str, team_id: str) -> bool:
        return True


def use_cases(fakes: Any) -> TransferUseCases:
    return TransferUseCases(chats=fakes.chats, messages=fakes.messages, staff=Staff(), writer=fakes.writer)


def placements(fakes: Any) -> list[ChatPlacementChangedV1]:
    return [
        e.open(ChatPlacementChangedV1) for e in fakes.db.state.outbox if e.type.endswith("placement_changed")
    ]


async def test_to_an_agent_they_hold_it_and_to_a_team_it_waits_for_the_team(fakes: Any) -> None:
    chat = fakes.add_chat()  # AI mode
    cases = use_cases(fakes)
    await cases.transfer(ADMIN, chat.id, TransferRequest(agent_id="agent-2"))
    await cases.transfer(ADMIN, chat.id, TransferRequest(team_id="t-2"))
    await cases.transfer(ADMIN, chat.id, TransferRequest(team_id="t-3"))  # still waiting, another team
    await cases.transfer(ADMIN, chat.id, TransferRequest(team_id="t-3"))  # the same: no move
    assert [(p.placement, p.assignee_id, p.target) for p in placements(fakes)] == [
        ("held", "agent-2", None),
        ("waiting", None, HandoffTarget(team_ids=["t-2"], availability_check=True)),
        ("waiting", None, HandoffTarget(team_ids=["t-3"], availability_check=True)),
    ]
    assert fakes.db.state.chats[chat.id].target == HandoffTarget(team_ids=["t-3"])
