"""HTTP route of the interactions feature."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .schemas import Interactions, Period
from .use_cases import InteractionUseCases


def _use_cases(request: Request) -> InteractionUseCases:
    use_cases: InteractionUseCases = request.app.state.interactions
    return use_cases


UseCases = Annotated[InteractionUseCases, Depends(_use_cases)]
router = APIRouter(tags=["interactions"], responses=ERROR_RESPONSES)


@router.get("/v1/interactions")
async def interactions(
    user: CurrentUser,
    use_cases: UseCases,
    period: Annotated[Period, Query()] = "day",
    start: Annotated[datetime | None, Query(alias="from", description="default: the month's start")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="excluded; default: now")] = None,
) -> Interactions:
    """Every message to or from a person is one interaction: the workspace's counts per day or month,
    by author (person, AI, agent). Deleting chats does not lower them: a deleted chat's messages
    stay counted, by the UTC hour they were sent in, so a window boundary within an hour counts that
    hour's deleted messages whole (in the window the hour starts in); the other messages are counted
    to the instant. The ``settings`` permission."""
    return await use_cases.read(user, period, start, end)
