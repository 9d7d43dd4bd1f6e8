"""HTTP route of the transfers feature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from livechat_shared.contracts import ChatSnapshot
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .schemas import TransferRequest
from .use_cases import TransferUseCases


def _use_cases(request: Request) -> TransferUseCases:
    use_cases: TransferUseCases = request.app.state.transfers
    return use_cases


UseCases = Annotated[TransferUseCases, Depends(_use_cases)]
router = APIRouter(tags=["chats"], responses=ERROR_RESPONSES)


@router.post("/v1/chats/{chat_id}/transfer")
async def transfer_chat(
    chat_id: str, body: TransferRequest, request: Request, user: CurrentUser, use_cases: UseCases
) -> ChatSnapshot:
    """Move the chat to an agent (`agent_id`: they become the assignee) or to a team (`team_id`:
    pending until the team's assignment rules pick a member). The assignee, or the transfer
    permission; the chat's history gets a line saying who moved it where."""
    return await use_cases.transfer(
        user, chat_id, body, correlation_id=request.headers.get("x-correlation-id")
    )
