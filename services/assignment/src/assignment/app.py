"""Composition root of the assignment service. This first cut holds the directory (workspace,
teamspaces, teams, users); routing strategies and the queue build on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from livechat_shared.auth import Permission, Principal
from livechat_shared.http import ApiError, CurrentUser, Runtime, create_service_app, not_found
from pymongo.errors import DuplicateKeyError

from .domain import TeamCreate, TeamspaceCreate, TeamUpdate, UserCreate, UserUpdate, WorkspaceUpdate
from .repositories import DirectoryRepository, WorkspaceRepository, public
from .settings import Settings


@dataclass
class Directory:
    workspaces: WorkspaceRepository
    teamspaces: DirectoryRepository
    teams: DirectoryRepository
    users: DirectoryRepository


def create_app(settings: Settings) -> object:
    runtime = Runtime.create(settings)
    mongo = runtime.mongo
    app = create_service_app(runtime, title="livechat assignment", description="Agents, teams and routing")
    app.state.directory = Directory(
        workspaces=WorkspaceRepository(mongo),
        teamspaces=DirectoryRepository(mongo, "teamspaces"),
        teams=DirectoryRepository(mongo, "teams"),
        users=DirectoryRepository(mongo, "users", unique=("email",)),
    )
    app.include_router(router)
    return app


def _directory(request: Request) -> Directory:
    return request.app.state.directory


Dir = Annotated[Directory, Depends(_directory)]
Page = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=200)]
router = APIRouter()


def require_settings(user: Principal) -> None:
    if not user.has(Permission.SETTINGS):
        raise ApiError(403, "forbidden", "this needs the settings permission")


def listing(docs: list[dict], total: int, page: int, page_size: int) -> dict:
    return {"items": [public(d) for d in docs], "total": total, "page": page, "page_size": page_size}


@router.put("/v1/workspace", tags=["directory"])
async def put_workspace(body: WorkspaceUpdate, user: CurrentUser, d: Dir) -> dict:
    require_settings(user)
    return public(await d.workspaces.put(user.workspace_id, body.name))


@router.get("/v1/workspace", tags=["directory"])
async def get_workspace(user: CurrentUser, d: Dir) -> dict:
    doc = await d.workspaces.get(user.workspace_id)
    if doc is None:
        raise not_found("workspace")
    return public(doc)


@router.post("/v1/teamspaces", status_code=201, tags=["directory"])
async def create_teamspace(body: TeamspaceCreate, user: CurrentUser, d: Dir) -> dict:
    require_settings(user)
    return public(await d.teamspaces.create(user.workspace_id, body.model_dump()))


@router.get("/v1/teamspaces", tags=["directory"])
async def list_teamspaces(user: CurrentUser, d: Dir, page: Page = 1, page_size: PageSize = 50) -> dict:
    return listing(
        *await d.teamspaces.page(user.workspace_id, (page - 1) * page_size, page_size), page, page_size
    )


@router.post("/v1/teams", status_code=201, tags=["directory"])
async def create_team(body: TeamCreate, user: CurrentUser, d: Dir) -> dict:
    require_settings(user)
    if await d.teamspaces.get(user.workspace_id, body.teamspace_id) is None:
        raise ApiError(422, "unknown_teamspace", "teamspace_id names no teamspace of this workspace")
    return public(await d.teams.create(user.workspace_id, body.model_dump()))


@router.get("/v1/teams", tags=["directory"])
async def list_teams(user: CurrentUser, d: Dir, page: Page = 1, page_size: PageSize = 50) -> dict:
    return listing(*await d.teams.page(user.workspace_id, (page - 1) * page_size, page_size), page, page_size)


@router.get("/v1/teams/{team_id}", tags=["directory"])
async def read_team(team_id: str, user: CurrentUser, d: Dir) -> dict:
    doc = await d.teams.get(user.workspace_id, team_id)
    if doc is None:
        raise not_found("team")
    return public(doc)


@router.patch("/v1/teams/{team_id}", tags=["directory"])
async def update_team(team_id: str, body: TeamUpdate, user: CurrentUser, d: Dir) -> dict:
    require_settings(user)
    doc = await d.teams.update(user.workspace_id, team_id, body.model_dump(exclude_unset=True))
    if doc is None:
        raise not_found("team")
    return public(doc)


async def _check_teams(d: Directory, workspace_id: str, team_ids: list[str] | None) -> None:
    if team_ids and await d.teams.count(workspace_id, team_ids) != len(set(team_ids)):
        raise ApiError(422, "unknown_team", "team_ids names a team that does not exist in this workspace")


@router.post("/v1/users", status_code=201, tags=["directory"])
async def create_user(body: UserCreate, user: CurrentUser, d: Dir) -> dict:
    require_settings(user)
    await _check_teams(d, user.workspace_id, body.team_ids)
    data = body.model_dump(mode="json") | {"email": body.email.lower()}
    try:
        return public(await d.users.create(user.workspace_id, data))
    except DuplicateKeyError as exc:
        raise ApiError(409, "email_taken", "a user with this email already exists") from exc


@router.get("/v1/users", tags=["directory"])
async def list_users(user: CurrentUser, d: Dir, page: Page = 1, page_size: PageSize = 50) -> dict:
    return listing(*await d.users.page(user.workspace_id, (page - 1) * page_size, page_size), page, page_size)


@router.get("/v1/users/{user_id}", tags=["directory"])
async def read_user(user_id: str, user: CurrentUser, d: Dir) -> dict:
    doc = await d.users.get(user.workspace_id, user_id)
    if doc is None:
        raise not_found("user")
    return public(doc)


@router.patch("/v1/users/{user_id}", tags=["directory"])
async def update_user(user_id: str, body: UserUpdate, user: CurrentUser, d: Dir) -> dict:
    require_settings(user)
    changes = body.model_dump(mode="json", exclude_unset=True)
    await _check_teams(d, user.workspace_id, changes.get("team_ids"))
    doc = await d.users.update(user.workspace_id, user_id, changes)
    if doc is None:
        raise not_found("user")
    return public(doc)
