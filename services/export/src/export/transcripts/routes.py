"""HTTP routes of the transcripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .schemas import Transcript, TranscriptFormat
from .use_cases import TranscriptUseCases


def _use_cases(request: Request) -> TranscriptUseCases:
    use_cases: TranscriptUseCases = request.app.state.transcripts
    return use_cases


UseCases = Annotated[TranscriptUseCases, Depends(_use_cases)]
router = APIRouter(tags=["transcripts"], responses=ERROR_RESPONSES)


@router.get(
    "/v1/chats/{chat_id}/transcript",
    response_class=JSONResponse,
    responses={200: {"model": Transcript, "content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def transcript(
    chat_id: str,
    user: CurrentUser,
    use_cases: UseCases,
    format: Annotated[TranscriptFormat, Query()] = "txt",
) -> Response:
    """One chat's transcript as text or JSON (``download``; 404 for a chat outside your scope)."""
    rendered = await use_cases.transcript(user, chat_id, format)
    disposition = f'attachment; filename="{rendered.filename}"'
    return Response(
        rendered.body, media_type=rendered.media_type, headers={"Content-Disposition": disposition}
    )
