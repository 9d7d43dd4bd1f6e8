"""In-memory fakes of the aiagent's repositories, and the use cases built on them.

Everything the fakes store lives in one ``World`` that the transactions of the fake writer copy and
put back when a unit of work raises (as MongoDB aborts a transaction): a redelivery that collides
leaves the world, and the outbox (``world.outbox``: what was announced), as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiagent.bots.schemas import AiSettings, BotConfig, LlmConfig
from aiagent.bots.use_cases import BotUseCases
from aiagent.conversations.schemas import Conversation, LlmDecision, LlmRequest
from aiagent.conversations.use_cases import ConversationUseCases
from aiagent.errors import ConversationChanged, WriteConflict
from livechat_dev.testing import InMemoryTransactions
from livechat_shared.contracts import Envelope
from livechat_shared.idempotency import AlreadyProcessedError
from livechat_shared.writer import Writer

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


@dataclass
class World:
    configs: dict[tuple[str, str], BotConfig] = field(default_factory=dict)
    settings: dict[str, AiSettings] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    processed: set[str] = field(default_factory=set)
    interactions: set[str] = field(default_factory=set)
    counters: dict[str, int] = field(default_factory=dict)
    outbox: list[Envelope] = field(default_factory=list)


class Fakes:
    """Every port of the use cases over one transactional ``World``; ``reads`` counts the lookups."""

    def __init__(self, tx: InMemoryTransactions[World]) -> None:
        self.tx = tx
        self.reads = 0
        self.users: dict[str, tuple[str, bool, tuple[str, ...]]] = {}
        """The directory copy: user id -> (workspace, active, teams)."""

    @property
    def world(self) -> World:
        return self.tx.state

    # bot configurations
    async def get(self, workspace_id: str, app_id: str, session: Any = None) -> BotConfig | None:
        self.reads += 1
        return self.world.configs.get((workspace_id, app_id))

    async def current(self, workspace_id: str, app_id: str) -> BotConfig:
        self.reads += 1
        return self.world.configs.get((workspace_id, app_id)) or BotConfig()

    async def put(
        self, workspace_id: str, app_id: str, config: BotConfig, by: str, session: Any
    ) -> BotConfig:
        before = self.world.configs.get((workspace_id, app_id))
        stored = config.model_copy(
            update={"version": (before.version if before else 0) + 1, "updated_at": NOW}
        )
        self.world.configs[(workspace_id, app_id)] = stored
        return stored


class FakeSettings:
    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes

    async def get(self, workspace_id: str) -> AiSettings:
        self.fakes.reads += 1
        return self.fakes.world.settings.get(workspace_id, AiSettings())

    current = get

    async def put(self, workspace_id: str, limit: int | None, session: Any) -> AiSettings:
        before = self.fakes.world.settings.get(workspace_id, AiSettings())
        stored = AiSettings(monthly_interaction_limit=limit, version=before.version + 1, updated_at=NOW)
        self.fakes.world.settings[workspace_id] = stored
        return stored


class FakeConversations:
    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes

    async def get(self, chat_id: str) -> Conversation | None:
        self.fakes.reads += 1
        return self.fakes.world.conversations.get(chat_id)

    async def forget(self, chat_id: str) -> None:
        self.fakes.world.conversations.pop(chat_id, None)

    async def save(self, conversation: Conversation, expected_version: int, session: Any) -> None:
        stored = self.fakes.world.conversations.get(conversation.id)
        if (stored.version if stored else 0) != expected_version:
            raise ConversationChanged()
        self.fakes.world.conversations[conversation.id] = conversation.model_copy(
            update={"version": expected_version + 1}
        )


class FakeUsage:
    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes

    async def count(self, workspace_id: str, month: str) -> int:
        self.fakes.reads += 1
        return self.fakes.world.counters.get(f"{workspace_id}:{month}", 0)

    async def counted(self, workspace_id: str, month: str, chat_id: str) -> bool:
        self.fakes.reads += 1
        return f"{workspace_id}:{month}:{chat_id}" in self.fakes.world.interactions

    async def count_chat(self, workspace_id: str, month: str, chat_id: str, session: Any) -> int:
        key, counter = f"{workspace_id}:{month}:{chat_id}", f"{workspace_id}:{month}"
        if key not in self.fakes.world.interactions:
            self.fakes.world.interactions.add(key)
            self.fakes.world.counters[counter] = self.fakes.world.counters.get(counter, 0) + 1
        return self.fakes.world.counters.get(counter, 0)


class FakeProcessed:
    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes

    async def seen(self, event_id: str) -> bool:
        self.fakes.reads += 1
        return event_id in self.fakes.world.processed

    async def record(self, event_id: str, session: Any) -> None:
        if event_id in self.fakes.world.processed:
            raise AlreadyProcessedError(event_id)
        self.fakes.world.processed.add(event_id)


class FakeStaff:
    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes

    def _active(self, workspace_id: str) -> list[tuple[str, tuple[str, ...]]]:
        return [
            (u, teams) for u, (ws, active, teams) in self.fakes.users.items() if ws == workspace_id and active
        ]

    async def unknown_users(self, workspace_id: str, user_ids: Sequence[str]) -> list[str]:
        known = {u for u, _ in self._active(workspace_id)}
        return [u for u in dict.fromkeys(user_ids) if u not in known]

    async def unknown_teams(self, workspace_id: str, team_ids: Sequence[str]) -> list[str]:
        known = {t for _, teams in self._active(workspace_id) for t in teams}
        return [t for t in dict.fromkeys(team_ids) if t not in known]


class FakeLlm:
    """The generative brain: answers ``decision`` (``None``: as if it timed out) and keeps the requests."""

    def __init__(self) -> None:
        self.decision: LlmDecision | None = None
        self.requests: list[tuple[LlmConfig, LlmRequest]] = []

    async def decide(self, llm: LlmConfig, request: LlmRequest) -> LlmDecision | None:
        self.requests.append((llm, request))
        return self.decision


@pytest.fixture
def tx() -> InMemoryTransactions[World]:
    return InMemoryTransactions(World())


@pytest.fixture
def fakes(tx: InMemoryTransactions[World]) -> Fakes:
    return Fakes(tx)


@pytest.fixture
def writer(tx: InMemoryTransactions[World]) -> Writer:
    return Writer(tx, tx, conflict=WriteConflict)


@pytest.fixture
def llm() -> FakeLlm:
    return FakeLlm()


@pytest.fixture
def conversations(fakes: Fakes, writer: Writer, llm: FakeLlm) -> ConversationUseCases:
    return ConversationUseCases(
        configs=fakes,
        limits=FakeSettings(fakes),
        conversations=FakeConversations(fakes),
        usage=FakeUsage(fakes),
        processed=FakeProcessed(fakes),
        writer=writer,
        llm=llm,
        clock=lambda: NOW,
    )


@pytest.fixture
def bots(fakes: Fakes, writer: Writer) -> BotUseCases:
    return BotUseCases(
        configs=fakes,
        settings=FakeSettings(fakes),
        usage=FakeUsage(fakes),
        staff=FakeStaff(fakes),
        writer=writer,
        clock=lambda: NOW,
    )
