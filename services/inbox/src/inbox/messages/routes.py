"""HTTP routes of the messages feature: parse, call one use case, answer with a response model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from livechat_shared.contracts import MessageView
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .schemas import MessagePage, ReplyCreate
from .use_cases import MessageUseCases


def _use_cases(request: Request) -> MessageUseCases:
    use_cases: MessageUseCases = request.app.state.messages
    return use_cases


UseCases = Annotated[MessageUseCases, Depends(_use_cases)]
MAX_SEQ = 2**53 - 1
"""The largest ``after_seq`` accepted (larger values are refused, never handed to the database)."""
router = APIRouter(tags=["messages"], responses=ERROR_RESPONSES)


@router.get("/v1/chats/{chat_id}/messages")
async def list_messages(
    chat_id: str,
    user: CurrentUser,
    use_cases: UseCases,
    after_seq: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> MessagePage:
    return await use_cases.history(user, chat_id, after_seq, limit)


@router.post(
    "/v1/chats/{chat_id}/messages",
    status_code=201,
    response_model=MessageView,
    responses={200: {"model": MessageView, "description": "the same client_message_id was sent before"}},
)
async def reply(
    chat_id: str,
    body: ReplyCreate,
    request: Request,
    user: CurrentUser,
    use_cases: UseCases,
    takeover: bool = False,
) -> JSONResponse:
    """Send (or, with ``takeover=true``, Takeover & Send); 201 when stored, 200 for a repeat."""
    correlation_id = request.headers.get("x-correlation-id")
    sent = await use_cases.reply(user, chat_id, body, takeover=takeover, correlation_id=correlation_id)
    return JSONResponse(sent.message.view().model_dump(mode="json"), status_code=201 if sent.created else 200)
