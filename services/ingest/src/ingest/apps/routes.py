"""HTTP routes of channel apps: parse, call one use case, answer with a response model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, Paging

from .schemas import AppCreate, AppCreated, AppOut
from .use_cases import AppUseCases


async def _use_cases(request: Request) -> AppUseCases:
    """``async``: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop per request."""
    use_cases: AppUseCases = request.app.state.apps
    return use_cases


UseCases = Annotated[AppUseCases, Depends(_use_cases)]
router = APIRouter(tags=["apps"], responses=ERROR_RESPONSES)


@router.post("/v1/apps", status_code=201, response_model_exclude_none=True)
async def create_channel_app(body: AppCreate, user: CurrentUser, use_cases: UseCases) -> AppCreated:
    """Create a channel app (admins); an api app's ``api_key`` and a webchat app's ``identity_secret``
    are shown only here."""
    return await use_cases.create(user, body)


@router.get("/v1/apps")
async def list_channel_apps(user: CurrentUser, use_cases: UseCases, paging: Paging) -> Page[AppOut]:
    """The workspace's channel apps, newest first (admins)."""
    items, total = await use_cases.list(user, paging.skip, paging.page_size)
    return Page[AppOut](items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/v1/apps/{app_id}")
async def read_channel_app(app_id: str, user: CurrentUser, use_cases: UseCases) -> AppOut:
    """One channel app (admins; 404 for anyone else). Its secrets are never returned."""
    return await use_cases.read(user, app_id)
