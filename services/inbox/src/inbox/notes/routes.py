"""HTTP routes of the notes feature: parse, call one use case, answer with a response model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from livechat_shared.contracts import NoteView
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, Paging

from .schemas import NoteCreate, NoteUpdate
from .use_cases import NoteUseCases


def _use_cases(request: Request) -> NoteUseCases:
    use_cases: NoteUseCases = request.app.state.notes
    return use_cases


UseCases = Annotated[NoteUseCases, Depends(_use_cases)]
router = APIRouter(tags=["notes"], responses=ERROR_RESPONSES)


@router.get("/v1/chats/{chat_id}/notes")
async def list_notes(chat_id: str, user: CurrentUser, use_cases: UseCases, paging: Paging) -> Page[NoteView]:
    """The chat's notes, oldest first."""
    return await use_cases.page(user, chat_id, paging)


@router.post("/v1/chats/{chat_id}/notes", status_code=201)
async def add_note(chat_id: str, body: NoteCreate, user: CurrentUser, use_cases: UseCases) -> NoteView:
    return await use_cases.add(user, chat_id, body)


@router.patch("/v1/chats/{chat_id}/notes/{note_id}")
async def edit_note(
    chat_id: str, note_id: str, body: NoteUpdate, user: CurrentUser, use_cases: UseCases
) -> NoteView:
    """Its author, or an admin or a supervisor, may edit a note."""
    return await use_cases.edit(user, chat_id, note_id, body)


@router.delete("/v1/chats/{chat_id}/notes/{note_id}", status_code=204, response_class=Response)
async def delete_note(chat_id: str, note_id: str, user: CurrentUser, use_cases: UseCases) -> Response:
    """Its author, or an admin or a supervisor, may delete a note."""
    await use_cases.remove(user, chat_id, note_id)
    return Response(status_code=204)
