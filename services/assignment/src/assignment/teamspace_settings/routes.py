"""HTTP routes of a teamspace's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser

from .schemas import TeamspaceSettingsPut, TeamspaceSettingsView
from .use_cases import TeamspaceSettingsUseCases


def _use_cases(request: Request) -> TeamspaceSettingsUseCases:
    use_cases: TeamspaceSettingsUseCases = request.app.state.teamspace_settings
    return use_cases


UseCases = Annotated[TeamspaceSettingsUseCases, Depends(_use_cases)]
router = APIRouter(tags=["teamspace settings"], responses=ERROR_RESPONSES)


@router.get("/v1/teamspaces/{teamspace_id}/assignment")
async def read_settings(teamspace_id: str, user: CurrentUser, use_cases: UseCases) -> TeamspaceSettingsView:
    """The teamspace's chat assignment settings and chat rules."""
    return await use_cases.read(user, teamspace_id)


@router.put("/v1/teamspaces/{teamspace_id}/assignment")
async def put_settings(
    teamspace_id: str, body: TeamspaceSettingsPut, user: CurrentUser, use_cases: UseCases
) -> TeamspaceSettingsView:
    """Replace them (the ``settings`` permission): method, limits, the away grace period, the
    reply-time limit (``overdue_after_seconds``) and the tags needed to resolve a chat."""
    return await use_cases.put(user, teamspace_id, body)
