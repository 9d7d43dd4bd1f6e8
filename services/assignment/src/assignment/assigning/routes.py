"""HTTP routes of assigning: the pending queue, voluntary claims and a chat's decision log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, Paging

from .schemas import ClaimResult, LoggedDecision, QueuedChat
from .use_cases import Routing


def _use_cases(request: Request) -> Routing:
    use_cases: Routing = request.app.state.routing
    return use_cases


UseCases = Annotated[Routing, Depends(_use_cases)]
router = APIRouter(tags=["queue"], responses=ERROR_RESPONSES)


@router.get("/v1/queue")
async def list_queue(user: CurrentUser, use_cases: UseCases, paging: Paging) -> Page[QueuedChat]:
    """The chats waiting for an agent that you may claim, oldest first (supervisors and admins: all)."""
    items, total = await use_cases.waiting(user, paging.skip, paging.page_size)
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.post("/v1/queue/{chat_id}/claim")
async def claim_chat(chat_id: str, user: CurrentUser, use_cases: UseCases) -> ClaimResult:
    """Take a waiting chat (voluntary pick): 409 ``already_claimed`` when someone else was faster,
    409 ``at_capacity`` at your personal limit, 403 when the chat was handed to other agents."""
    return await use_cases.claim(user, chat_id)


@router.get("/v1/chats/{chat_id}/assignment-log")
async def assignment_log(
    chat_id: str, user: CurrentUser, use_cases: UseCases, paging: Paging
) -> Page[LoggedDecision]:
    """Every routing decision about the chat, newest first: the method, every candidate with their
    presence, load and why they were left out, who was chosen and why."""
    items, total = await use_cases.decisions(user, chat_id, paging.skip, paging.page_size)
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)
