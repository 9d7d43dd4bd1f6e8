"""HTTP routes of the chats feature: parse, call one use case, answer with a response model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from livechat_shared.contracts import ChatSnapshot
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .rules import parse_if_match
from .schemas import ChatPatch, ChatTag, SyncPage
from .use_cases import ChatUseCases


def _use_cases(request: Request) -> ChatUseCases:
    use_cases: ChatUseCases = request.app.state.chats
    return use_cases


UseCases = Annotated[ChatUseCases, Depends(_use_cases)]
router = APIRouter(tags=["chats"], responses=ERROR_RESPONSES)


@router.get("/v1/chats/{chat_id}")
async def read_chat(chat_id: str, user: CurrentUser, use_cases: UseCases) -> ChatSnapshot:
    return await use_cases.read(user, chat_id)


@router.patch("/v1/chats/{chat_id}")
async def patch_chat(
    chat_id: str,
    body: ChatPatch,
    request: Request,
    user: CurrentUser,
    use_cases: UseCases,
    if_match: Annotated[str | None, Header(description="the chat version the change is based on")] = None,
) -> ChatSnapshot:
    """Change the description, status or custom fields (``manage``); ``If-Match: <version>`` → 412
    when the chat changed since. Closing hands the chat back to the AI agent."""
    return await use_cases.patch(
        user,
        chat_id,
        body,
        if_match=parse_if_match(if_match),
        correlation_id=request.headers.get("x-correlation-id"),
    )


@router.post("/v1/chats/{chat_id}/tags")
async def tag_chat(
    chat_id: str, body: ChatTag, request: Request, user: CurrentUser, use_cases: UseCases
) -> ChatSnapshot:
    """Put one of the teamspace's tags on the chat (``manage``); tagging twice changes nothing."""
    correlation_id = request.headers.get("x-correlation-id")
    return await use_cases.tag(user, chat_id, body.tag_id, correlation_id=correlation_id)


@router.delete("/v1/chats/{chat_id}/tags/{tag_id}")
async def untag_chat(
    chat_id: str, tag_id: str, request: Request, user: CurrentUser, use_cases: UseCases
) -> ChatSnapshot:
    """Take a tag off the chat (``manage``)."""
    correlation_id = request.headers.get("x-correlation-id")
    return await use_cases.untag(user, chat_id, tag_id, correlation_id=correlation_id)


@router.get("/v1/sync")
async def sync(
    user: CurrentUser,
    use_cases: UseCases,
    since: Annotated[str, Query(description="a cursor from the previous page, or an ISO time to start")],
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> SyncPage:
    """Chats (visible to the user) changed after ``since``, oldest change first, each as its latest
    snapshot, and in ``deleted`` the ids of chats deleted after it that the user could see; pass
    ``cursor`` back to continue. A client that missed stream frames resyncs here. Deletions are
    kept for ``LIVECHAT_TOMBSTONE_SECONDS`` (default 30 days): a client whose cursor is older
    reloads its chats instead."""
    return await use_cases.sync(user, since, limit)
