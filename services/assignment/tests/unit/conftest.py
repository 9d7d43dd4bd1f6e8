"""In-memory fakes of the assignment repositories, the outbox and the limiter, and the use cases
built on them.

Tests reach the fakes through fixtures (``teams.items`` is what is stored, ``outbox.events`` what
was announced), never by import. Transactions run the work once without a session; a unit of work
raises before it stores, so a refused change leaves the fakes as they were.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import pytest
from assignment.core.models import Slice, Team, Teamspace, User, Workspace
from assignment.directory.use_cases import DirectoryUseCases, OperatorUseCases
from assignment.errors import EmailTaken, WriteConflict
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import Envelope
from livechat_shared.errors import RateLimited
from livechat_shared.ids import utcnow
from livechat_shared.ratelimit import Limit
from livechat_shared.writer import Writer

E = TypeVar("E", Teamspace, Team, User)
T = TypeVar("T")

OPERATOR_KEY = "operator-key-for-the-unit-tests-0123456789"


class FakeWorkspaces:
    def __init__(self) -> None:
        self.items: dict[str, Workspace] = {}
        self.holds: list[str] = []

    async def add(self, workspace: Workspace, session: Any = None) -> None:
        assert workspace.id not in self.items
        self.items[workspace.id] = workspace

    async def rename(self, workspace_id: str, name: str) -> Workspace | None:
        existing = self.items.get(workspace_id)
        if existing is None:
            return None
        self.items[workspace_id] = existing.model_copy(update={"name": name, "updated_at": utcnow()})
        return self.items[workspace_id]

    async def get(self, workspace_id: str) -> Workspace | None:
        return self.items.get(workspace_id)

    async def hold(self, workspace_id: str, session: Any) -> None:
        self.holds.append(workspace_id)


class FakeScoped(Generic[E]):
    """Workspace-scoped entities by id, as the Mongo repositories keep them."""

    def __init__(self) -> None:
        self.items: dict[str, E] = {}

    async def add(self, item: E, session: Any = None) -> None:
        assert item.id not in self.items
        self.items[item.id] = item

    async def get(self, workspace_id: str, item_id: str, session: Any = None) -> E | None:
        item = self.items.get(item_id)
        return item if item is not None and item.workspace_id == workspace_id else None

    async def page(self, workspace_id: str, skip: int, limit: int) -> Slice[E]:
        mine = [i for i in self.items.values() if i.workspace_id == workspace_id]
        mine.sort(key=lambda i: i.created_at)
        return Slice(mine[skip : skip + limit], len(mine))

    async def update(
        self, workspace_id: str, item_id: str, changes: Mapping[str, Any], session: Any = None
    ) -> E | None:
        item = await self.get(workspace_id, item_id)
        if item is None:
            return None
        changed = {**item.model_dump(), **changes, "updated_at": utcnow()}
        self.items[item_id] = type(item).model_validate(changed)
        return self.items[item_id]

    async def count(self, workspace_id: str, ids: list[str]) -> int:
        return len([i for i in ids if await self.get(workspace_id, i) is not None])

    async def grants_by_team(self, team_ids: Any, session: Any = None) -> dict[str, set[str]]:
        """For teams: each one's grants."""
        return {t: set(getattr(self.items[t], "grants", [])) for t in set(team_ids) if t in self.items}


class FakeUsers(FakeScoped[User]):
    async def add(self, item: User, session: Any = None) -> None:
        if any(u.workspace_id == item.workspace_id and u.email == item.email for u in self.items.values()):
            raise EmailTaken()
        await super().add(item)

    async def save(self, user: User, expected_version: int, session: Any = None) -> bool:
        stored = await self.get(user.workspace_id, user.id)
        if stored is None or stored.version != expected_version:
            return False
        self.items[user.id] = user
        return True

    async def count_active_admins(self, workspace_id: str, session: Any = None) -> int:
        return len([u for u in self.items.values() if u.workspace_id == workspace_id and u.is_active_admin])

    async def after(self, last_id: str | None, limit: int) -> list[User]:
        ordered = sorted(self.items.values(), key=lambda u: u.id)
        return [u for u in ordered if last_id is None or u.id > last_id][:limit]

    async def members(self, workspace_id: str, team_id: str, session: Any = None) -> list[User]:
        return [u for u in self.items.values() if u.workspace_id == workspace_id and team_id in u.team_ids]


class FakeOutbox:
    """Events added inside transactions; ``notified`` counts the commits that woke the relay."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []
        self.notified = 0

    async def add(self, envelopes: list[Envelope], session: Any) -> list[Envelope]:
        self.events.extend(envelopes)
        return envelopes

    def notify(self, committed: Sequence[Any] = ()) -> None:
        self.notified += 1


class FakeTransactions:
    async def transaction(self, work: Callable[[Any], Awaitable[T]]) -> T:
        return await work(None)


class FakeLimiter:
    """Counts hits per key; refuses past ``limit.count`` like the shared limiter."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}

    async def hit(self, key: str, limit: Limit) -> None:
        self.hits[key] = self.hits.get(key, 0) + 1
        if limit.count and self.hits[key] > limit.count:
            raise RateLimited(retry_after=60)


@pytest.fixture
def workspaces() -> FakeWorkspaces:
    fake = FakeWorkspaces()
    for workspace_id in ("W1", "W2"):
        fake.items[workspace_id] = Workspace(
            id=workspace_id, name=f"Workspace {workspace_id}", created_at=utcnow(), updated_at=utcnow()
        )
    return fake


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
def outbox() -> FakeOutbox:
    return FakeOutbox()


@pytest.fixture
def limiter() -> FakeLimiter:
    return FakeLimiter()


@pytest.fixture
def writer(outbox: FakeOutbox) -> Writer:
    return Writer(FakeTransactions(), outbox, conflict=WriteConflict)


@pytest.fixture
def directory(
    workspaces: FakeWorkspaces,
    teamspaces: FakeScoped[Teamspace],
    teams: FakeScoped[Team],
    users: FakeUsers,
    writer: Writer,
) -> DirectoryUseCases:
    return DirectoryUseCases(
        workspaces=workspaces, teamspaces=teamspaces, teams=teams, users=users, writer=writer
    )


@pytest.fixture
def operator(
    workspaces: FakeWorkspaces, users: FakeUsers, writer: Writer, limiter: FakeLimiter
) -> OperatorUseCases:
    return OperatorUseCases(
        operator_key=OPERATOR_KEY,
        auth_failures=Limit(5, 60, "refused operator keys"),
        limiter=limiter,
        workspaces=workspaces,
        users=users,
        writer=writer,
    )


@pytest.fixture
def admin() -> Principal:
    return Principal(user_id="u-admin", workspace_id="W1", role=Role.ADMIN)


@pytest.fixture
def supervisor() -> Principal:
    """A supervisor of the same workspace: holds every permission, but may not change the directory."""
    return Principal(user_id="u-supervisor", workspace_id="W1", role=Role.SUPERVISOR)


@pytest.fixture
def agent() -> Principal:
    """An agent of the same workspace: may read the directory, not change it."""
    return Principal(user_id="u-agent", workspace_id="W1", role=Role.AGENT)


@pytest.fixture
def stranger() -> Principal:
    """An admin of another workspace."""
    return Principal(user_id="u-other", workspace_id="W2", role=Role.ADMIN)
