"""HTTP routes of the directory: ``/v1/workspace``, ``/v1/teamspaces``, ``/v1/teams``, ``/v1/users``."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, Page, PageParams, Paging

from ..core.models import Slice
from .schemas import (
    Out,
    TeamCreate,
    TeamOut,
    TeamspaceCreate,
    TeamspaceOut,
    TeamUpdate,
    UserCreate,
    UserOut,
    UserUpdate,
    WorkspaceOut,
    WorkspaceUpdate,
)
from .use_cases import DirectoryUseCases

OutT = TypeVar("OutT", bound=Out)


def _directory(request: Request) -> DirectoryUseCases:
    directory: DirectoryUseCases = request.app.state.directory
    return directory


Directory = Annotated[DirectoryUseCases, Depends(_directory)]
router = APIRouter(tags=["directory"], responses=ERROR_RESPONSES)


def _page(out: type[OutT], found: Slice[object], paging: PageParams) -> Page[OutT]:
    items = [out.model_validate(item) for item in found.items]
    return Page(items=items, total=found.total, page=paging.page, page_size=paging.page_size)


@router.put("/v1/workspace")
async def put_workspace(body: WorkspaceUpdate, user: CurrentUser, d: Directory) -> WorkspaceOut:
    return WorkspaceOut.model_validate(await d.name_workspace(user, body))


@router.get("/v1/workspace")
async def get_workspace(user: CurrentUser, d: Directory) -> WorkspaceOut:
    return WorkspaceOut.model_validate(await d.workspace(user))


@router.post("/v1/teamspaces", status_code=201)
async def create_teamspace(body: TeamspaceCreate, user: CurrentUser, d: Directory) -> TeamspaceOut:
    return TeamspaceOut.model_validate(await d.create_teamspace(user, body))


@router.get("/v1/teamspaces")
async def list_teamspaces(user: CurrentUser, d: Directory, paging: Paging) -> Page[TeamspaceOut]:
    return _page(TeamspaceOut, await d.list_teamspaces(user, paging.skip, paging.page_size), paging)


@router.post("/v1/teams", status_code=201)
async def create_team(body: TeamCreate, user: CurrentUser, d: Directory) -> TeamOut:
    return TeamOut.model_validate(await d.create_team(user, body))


@router.get("/v1/teams")
async def list_teams(user: CurrentUser, d: Directory, paging: Paging) -> Page[TeamOut]:
    return _page(TeamOut, await d.list_teams(user, paging.skip, paging.page_size), paging)


@router.get("/v1/teams/{team_id}")
async def read_team(team_id: str, user: CurrentUser, d: Directory) -> TeamOut:
    return TeamOut.model_validate(await d.team(user, team_id))


@router.patch("/v1/teams/{team_id}")
async def update_team(team_id: str, body: TeamUpdate, user: CurrentUser, d: Directory) -> TeamOut:
    return TeamOut.model_validate(await d.update_team(user, team_id, body))


@router.post("/v1/users", status_code=201)
async def create_user(body: UserCreate, user: CurrentUser, d: Directory) -> UserOut:
    return UserOut.model_validate(await d.create_user(user, body))


@router.get("/v1/users")
async def list_users(user: CurrentUser, d: Directory, paging: Paging) -> Page[UserOut]:
    return _page(UserOut, await d.list_users(user, paging.skip, paging.page_size), paging)


@router.get("/v1/users/{user_id}")
async def read_user(user_id: str, user: CurrentUser, d: Directory) -> UserOut:
    return UserOut.model_validate(await d.user(user, user_id))


@router.patch("/v1/users/{user_id}")
async def update_user(user_id: str, body: UserUpdate, user: CurrentUser, d: Directory) -> UserOut:
    return UserOut.model_validate(await d.update_user(user, user_id, body))
