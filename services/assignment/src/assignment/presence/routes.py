"""HTTP routes of presence: ``PUT /v1/me/presence`` (the caller's own) and ``GET /v1/presence``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from livechat_shared.contracts import PresenceStatus
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, Paging

from .schemas import PresencePut, PresenceView
from .use_cases import PresenceUseCases


def _use_cases(request: Request) -> PresenceUseCases:
    use_cases: PresenceUseCases = request.app.state.presence
    return use_cases


UseCases = Annotated[PresenceUseCases, Depends(_use_cases)]
router = APIRouter(tags=["presence"], responses=ERROR_RESPONSES)


@router.put("/v1/me/presence")
async def put_my_presence(body: PresencePut, user: CurrentUser, use_cases: UseCases) -> PresenceView:
    """Set your own presence. ``online_since`` is set when you come online from offline, kept while
    you stay online or go away, and cleared when you go offline; a request that changes nothing
    announces nothing and keeps the ``version``."""
    return await use_cases.set(user, body)


@router.get("/v1/presence")
async def list_presence(
    user: CurrentUser,
    use_cases: UseCases,
    paging: Paging,
    status: Annotated[PresenceStatus | None, Query(description="Only users with this presence")] = None,
) -> Page[PresenceView]:
    """The presence of the workspace's active users, oldest user first (offline when never set);
    everyone of the workspace may see it."""
    found = await use_cases.list_presence(user, status, paging.skip, paging.page_size)
    return Page(items=list(found.items), total=found.total, page=paging.page, page_size=paging.page_size)
