"""HTTP route of the people feature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .schemas import PersonView
from .use_cases import PeopleUseCases


def _use_cases(request: Request) -> PeopleUseCases:
    use_cases: PeopleUseCases = request.app.state.people
    return use_cases


UseCases = Annotated[PeopleUseCases, Depends(_use_cases)]
router = APIRouter(tags=["people"], responses=ERROR_RESPONSES)


@router.get("/v1/people/{person_id}")
async def read_person(person_id: str, user: CurrentUser, use_cases: UseCases) -> PersonView:
    """A person and the chats of theirs the caller may see (404 when they may see none)."""
    return await use_cases.read(user, person_id)
