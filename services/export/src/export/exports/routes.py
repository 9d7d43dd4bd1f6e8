"""HTTP routes of the exports: parse, call one use case, answer with a response model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, Paging

from .schemas import ExportCreated, ExportOut, ExportRequest
from .use_cases import ExportUseCases


def _use_cases(request: Request) -> ExportUseCases:
    use_cases: ExportUseCases = request.app.state.exports
    return use_cases


UseCases = Annotated[ExportUseCases, Depends(_use_cases)]
router = APIRouter(tags=["exports"], responses={**ERROR_RESPONSES, 410: ERROR_RESPONSES[404]})


@router.post("/v1/exports", status_code=202)
async def create_export(body: ExportRequest, user: CurrentUser, use_cases: UseCases) -> ExportCreated:
    """Export the chats you may see that match the Livechats table's filters, to CSV (a row per chat)
    or JSONL (a chat with its transcript per line), in the background (``export``)."""
    return await use_cases.create(user, body)


@router.get("/v1/exports")
async def list_exports(user: CurrentUser, use_cases: UseCases, paging: Paging) -> Page[ExportOut]:
    """Your own exports, newest first, each with its state and progress (``export``)."""
    return await use_cases.mine(user, paging)


@router.get("/v1/exports/{export_id}")
async def read_export(export_id: str, user: CurrentUser, use_cases: UseCases) -> ExportOut:
    """The export's state and progress (its creator only)."""
    return await use_cases.read(user, export_id)


@router.get(
    "/v1/exports/{export_id}/download",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
async def download_export(export_id: str, user: CurrentUser, use_cases: UseCases) -> StreamingResponse:
    """The export's file, streamed (its creator only; 410 once it expired or was deleted)."""
    file = await use_cases.download(user, export_id)
    disposition = f'attachment; filename="{file.filename}"'
    return StreamingResponse(
        file.chunks, media_type=file.media_type, headers={"Content-Disposition": disposition}
    )
