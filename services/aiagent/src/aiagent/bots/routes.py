"""HTTP routes of the bots' configurations and the workspace's AI settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .schemas import AiSettingsPut, AiSettingsView, BotConfigPut, BotConfigView
from .use_cases import BotUseCases


def _use_cases(request: Request) -> BotUseCases:
    use_cases: BotUseCases = request.app.state.bots
    return use_cases


UseCases = Annotated[BotUseCases, Depends(_use_cases)]
AppId = Annotated[str, Path(min_length=1, max_length=64)]
router = APIRouter(tags=["ai agent"], responses=ERROR_RESPONSES)


@router.get("/v1/apps/{app_id}/bot")
async def read_bot(app_id: AppId, user: CurrentUser, use_cases: UseCases) -> BotConfigView:
    """The app's AI agent configuration (the ``settings`` permission: admins and supervisors); the
    LLM's api key is never shown, only whether one is set."""
    return await use_cases.read(user, app_id)


@router.put("/v1/apps/{app_id}/bot")
async def put_bot(app_id: AppId, body: BotConfigPut, user: CurrentUser, use_cases: UseCases) -> BotConfigView:
    """Replace it (admins): greeting, articles, thresholds, answers, handoff keywords and target, the
    optional LLM. Without ``llm.api_key`` the stored key is kept."""
    return await use_cases.put(user, app_id, body)


@router.get("/v1/ai/settings")
async def read_ai_settings(user: CurrentUser, use_cases: UseCases) -> AiSettingsView:
    """The workspace's AI limits and this month's AI interactions (the ``settings`` permission)."""
    return await use_cases.read_settings(user)


@router.put("/v1/ai/settings")
async def put_ai_settings(body: AiSettingsPut, user: CurrentUser, use_cases: UseCases) -> AiSettingsView:
    """Replace them (admins): ``monthly_interaction_limit`` (``null``: unlimited)."""
    return await use_cases.put_settings(user, body)
