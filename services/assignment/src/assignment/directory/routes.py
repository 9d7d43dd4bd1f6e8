"""HTTP routes of the directory: ``/v1/workspace``, ``/v1/teamspaces``, ``/v1/teams``, ``/v1/users``,
and the operator's ``/v1/workspaces`` (``X-Operator-Key``, not a bearer token)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Request
from livechat_shared.web import ERROR_RESPONSES, CurrentUser, ErrorResponse, Page, PageParams, Paging
from livechat_shared.web.deps import client_address

from ..core.models import Slice
from .schemas import (
    Me,
    Out,
    TeamCreate,
    TeamOut,
    TeamspaceCreate,
    TeamspaceOut,
    TeamUpdate,
    UserCreate,
    UserOut,
    UserUpdate,
    UserView,
    WorkspaceCreate,
    WorkspaceCreated,
    WorkspaceOut,
    WorkspaceUpdate,
)
from .use_cases import DirectoryUseCases, OperatorUseCases

T = TypeVar("T")
OutT = TypeVar("OutT", bound=Out)


def _directory(request: Request) -> DirectoryUseCases:
    directory: DirectoryUseCases = request.app.state.directory
    return directory


async def _operator(
    request: Request,
    key: Annotated[str | None, Header(alias="X-Operator-Key", description="The operator's key")] = None,
) -> OperatorUseCases:
    """The operator's use cases, once the call is admitted (404 when disabled, 401 on a bad key)."""
    operator: OperatorUseCases = request.app.state.operator
    await operator.admit(key, client_address(request))
    return operator


Directory = Annotated[DirectoryUseCases, Depends(_directory)]
Operator = Annotated[OperatorUseCases, Depends(_operator)]
router = APIRouter(tags=["directory"], responses=ERROR_RESPONSES)
TOO_MANY_KEYS: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorResponse, "description": "Too many wrong operator keys from this address"}
}


def _page(out: type[OutT], found: Slice[object], paging: PageParams) -> Page[OutT]:
    items = [out.model_validate(item) for item in found.items]
    return Page(items=items, total=found.total, page=paging.page, page_size=paging.page_size)


def _as_page(found: Slice[T], paging: PageParams) -> Page[T]:
    return Page(items=list(found.items), total=found.total, page=paging.page, page_size=paging.page_size)


# --- the operator -----------------------------------------------------------------------------


@router.post("/v1/workspaces", status_code=201, tags=["operator"], responses=TOO_MANY_KEYS)
async def create_workspace(body: WorkspaceCreate, op: Operator) -> WorkspaceCreated:
    """Create a workspace and its first admin (the operator's act: ``X-Operator-Key``)."""
    return WorkspaceCreated.model_validate(await op.create_workspace(body))


@router.get("/v1/workspaces/{workspace_id}/users/{user_id}", tags=["operator"], responses=TOO_MANY_KEYS)
async def operator_read_user(workspace_id: str, user_id: str, op: Operator) -> UserOut:
    """A user in full, for the operator (``livechat token``)."""
    return UserOut.model_validate(await op.user(workspace_id, user_id))


# --- the directory ----------------------------------------------------------------------------


@router.put("/v1/workspace")
async def put_workspace(body: WorkspaceUpdate, user: CurrentUser, d: Directory) -> WorkspaceOut:
    """Rename the caller's workspace (admin); 404 when it does not exist: nothing is created."""
    return WorkspaceOut.model_validate(await d.rename_workspace(user, body))


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
async def list_users(user: CurrentUser, d: Directory, paging: Paging) -> Page[UserView]:
    """Admins get each user in full (``UserOut``); other users the card (``UserCard``)."""
    return _as_page(await d.list_users(user, paging.skip, paging.page_size), paging)


@router.get("/v1/me")
async def read_me(user: CurrentUser, d: Directory) -> Me:
    """The caller: their user in full and their permissions (their role's, their grants and their
    teams'), so a console offers only what they may do."""
    return await d.me(user)


@router.get("/v1/users/{user_id}")
async def read_user(user_id: str, user: CurrentUser, d: Directory) -> UserView:
    """Admins get the user in full (``UserOut``); other users the card (``UserCard``)."""
    return await d.user(user, user_id)


@router.patch("/v1/users/{user_id}")
async def update_user(user_id: str, body: UserUpdate, user: CurrentUser, d: Directory) -> UserOut:
    """Change a user (admin): ``{"active": false}`` deactivates them, ``true`` activates them again."""
    return UserOut.model_validate(await d.update_user(user, user_id, body))
