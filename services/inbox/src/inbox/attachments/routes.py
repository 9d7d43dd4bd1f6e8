"""HTTP routes of attachments: upload (agents) and download (by signed link)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .schemas import StoredAttachment
from .use_cases import AttachmentUseCases


def _use_cases(request: Request) -> AttachmentUseCases:
    use_cases: AttachmentUseCases = request.app.state.attachments
    return use_cases


UseCases = Annotated[AttachmentUseCases, Depends(_use_cases)]
router = APIRouter(tags=["attachments"], responses=ERROR_RESPONSES)


@router.post(
    "/v1/attachments",
    status_code=201,
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}, "required": True}},
)
async def upload(
    request: Request,
    user: CurrentUser,
    use_cases: UseCases,
    chat_id: Annotated[str, Query(max_length=64)],
    name: Annotated[str | None, Query(max_length=300)] = None,
    content_type: Annotated[str, Header()] = "",
) -> StoredAttachment:
    """Upload a file (the raw body, its type in ``Content-Type``) for a reply in the chat: images,
    PDF, audio, video and plain text, checked against their content, at most
    ``LIVECHAT_ATTACHMENT_MAX_BYTES``. Answers a signed link to put in the reply's ``attachments``."""
    data = await request.body()
    return await use_cases.upload(user, chat_id, content_type, name, data)


@router.get("/v1/attachments/{attachment_id}", response_class=StreamingResponse)
async def download(
    attachment_id: str,
    use_cases: UseCases,
    expires: Annotated[int, Query(ge=0, le=2**40)],
    sig: Annotated[str, Query(max_length=128)],
) -> StreamingResponse:
    """The file, by the signed link an upload answered (no token: the person and the channel use
    it). Images are shown inline; every other type is a download."""
    found = await use_cases.download(attachment_id, expires, sig)
    headers = {
        "Content-Disposition": found.disposition,
        "Content-Length": str(found.size),
        "Cache-Control": "private, max-age=3600",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return StreamingResponse(found.body, media_type=found.content_type, headers=headers)
