"""An in-memory presence store over the directory's fake users, a clock the tests move, and the
presence use cases built on them (the writer and outbox come from ``unit/conftest.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from assignment.core.models import Slice, User
from assignment.presence.schemas import PresenceState, PresenceView
from assignment.presence.use_cases import PresenceUseCases
from livechat_shared.auth import Role
from livechat_shared.writer import Writer

START = datetime(2025, 3, 14, 8, 0, 0, 123456, tzinfo=UTC)


class Clock:
    """``now`` is ``at``; :meth:`tick` moves it on."""

    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at

    def tick(self, seconds: float = 60) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


class FakePresence:
    """Presence by user id with its workspace, listed over the workspace's active users like the
    Mongo repository. ``lose_races`` saves refuse, as if a concurrent writer had won each time."""

    def __init__(self, users: Any) -> None:
        self.users = users
        self.items: dict[str, tuple[str, PresenceState]] = {}
        self.lose_races = 0

    async def get(self, workspace_id: str, user_id: str, session: Any = None) -> PresenceState:
        stored = self.items.get(user_id)
        return stored[1] if stored is not None and stored[0] == workspace_id else PresenceState()

    async def save(
        self, workspace_id: str, user_id: str, state: PresenceState, expected_version: int, session: Any
    ) -> bool:
        if self.lose_races:
            self.lose_races -= 1
            return False
        if (await self.get(workspace_id, user_id)).version != expected_version:
            return False
        self.items[user_id] = (workspace_id, state)
        return True

    async def page(self, workspace_id: str, status: str | None, skip: int, limit: int) -> Slice[PresenceView]:
        mine = sorted(
            (u for u in self.users.items.values() if u.workspace_id == workspace_id and u.active),
            key=lambda u: (u.created_at, u.id),
        )
        views = [PresenceView.of(u.id, await self.get(workspace_id, u.id)) for u in mine]
        views = [v for v in views if status is None or v.status == status]
        return Slice(views[skip : skip + limit], len(views))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def presence_store(users: Any) -> FakePresence:
    return FakePresence(users)


@pytest.fixture
def presence(presence_store: FakePresence, writer: Writer, clock: Clock) -> PresenceUseCases:
    return PresenceUseCases(presence=presence_store, writer=writer, now=clock)


@pytest.fixture
def member(users: Any) -> Any:
    """Add a user to the fake directory: ``member("u-agent")`` (workspace W1, an agent by default)."""

    def add(user_id: str, workspace_id: str = "W1", role: Role = Role.AGENT, active: bool = True) -> User:
        user = User(
            id=user_id,
            workspace_id=workspace_id,
            name=user_id,
            email=f"{user_id}@example.com",
            role=role,
            active=active,
            created_at=START + timedelta(seconds=len(users.items)),
        )
        users.items[user_id] = user
        return user

    return add
