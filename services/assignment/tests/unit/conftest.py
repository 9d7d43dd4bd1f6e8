"""In-memory fakes of the assignment repositories, and the use cases built on them.

Tests reach the fakes through fixtures (``teams.items`` is what is stored), never by import.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import pytest
from assignment.core.models import Slice, Team, Teamspace, User, Workspace
from assignment.directory.use_cases import DirectoryUseCases
from assignment.errors import EmailTaken
from livechat_shared.auth import Principal, Role
from livechat_shared.ids import utcnow

E = TypeVar("E", Teamspace, Team, User)


class FakeWorkspaces:
    def __init__(self) -> None:
        self.items: dict[str, Workspace] = {}

    async def put(self, workspace_id: str, name: str) -> Workspace:
        now = utcnow()
        existing = self.items.get(workspace_id)
        created_at = existing.created_at if existing else now
        self.items[workspace_id] = Workspace(
            id=workspace_id, name=name, created_at=created_at, updated_at=now
        )
        return self.items[workspace_id]

    async def get(self, workspace_id: str) -> Workspace | None:
        return self.items.get(workspace_id)


class FakeScoped(Generic[E]):
    """Workspace-scoped entities by id, as the Mongo repositories keep them."""

    def __init__(self) -> None:
        self.items: dict[str, E] = {}

    async def add(self, item: E) -> None:
        assert item.id not in self.items
        self.items[item.id] = item

    async def get(self, workspace_id: str, item_id: str) -> E | None:
        item = self.items.get(item_id)
        return item if item is not None and item.workspace_id == workspace_id else None

    async def page(self, workspace_id: str, skip: int, limit: int) -> Slice[E]:
        mine = [i for i in self.items.values() if i.workspace_id == workspace_id]
        mine.sort(key=lambda i: i.created_at)
        return Slice(mine[skip : skip + limit], len(mine))

    async def update(self, workspace_id: str, item_id: str, changes: Mapping[str, Any]) -> E | None:
        item = await self.get(workspace_id, item_id)
        if item is None:
            return None
        changed = {**item.model_dump(), **changes, "updated_at": utcnow()}
        self.items[item_id] = type(item).model_validate(changed)
        return self.items[item_id]

    async def count(self, workspace_id: str, ids: list[str]) -> int:
        return len([i for i in ids if await self.get(workspace_id, i) is not None])


class FakeUsers(FakeScoped[User]):
    async def add(self, item: User) -> None:
        if any(u.workspace_id == item.workspace_id and u.email == item.email for u in self.items.values()):
            raise EmailTaken()
        await super().add(item)


@pytest.fixture
def workspaces() -> FakeWorkspaces:
    return FakeWorkspaces()


@pytest.fixture
def teamspaces() -> FakeScoped[Teamspace]:
    return FakeScoped()


@pytest.fixture
def teams() -> FakeScoped[Team]:
    return FakeScoped()


@pytest.fixture
def users() -> FakeUsers:
    return FakeUsers()


@pytest.fixture
def directory(
    workspaces: FakeWorkspaces, teamspaces: FakeScoped[Teamspace], teams: FakeScoped[Team], users: FakeUsers
) -> DirectoryUseCases:
    return DirectoryUseCases(workspaces=workspaces, teamspaces=teamspaces, teams=teams, users=users)


@pytest.fixture
def admin() -> Principal:
    return Principal(user_id="u-admin", workspace_id="W1", role=Role.ADMIN)


@pytest.fixture
def agent() -> Principal:
    """An agent of the same workspace: may read the directory, not change it."""
    return Principal(user_id="u-agent", workspace_id="W1", role=Role.AGENT)


@pytest.fixture
def stranger() -> Principal:
    """An admin of another workspace."""
    return Principal(user_id="u-other", workspace_id="W2", role=Role.ADMIN)
