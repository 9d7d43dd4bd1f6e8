"""In-memory fakes of the ingest repositories, publisher, rate limiter and socket hub, and use cases
built on them.

Tests cannot import each other (``--import-mode=importlib``), so the fakes are offered as fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ingest.apps.use_cases import AppUseCases
from ingest.core.inbound import InboundAcceptor
from ingest.core.models import App, InboundKey, MailboxEntry, WebchatSession
from ingest.core.publishing import DeliveryReporter
from ingest.errors import BrokerUnavailable
from ingest.webchat.hub import Socket
from ingest.webchat.use_cases import ReplyUseCases, WebchatLimits, WebchatUseCases
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import Contract, Envelope, MessageView, OutboundRequestedV1
from livechat_shared.errors import RateLimited
from livechat_shared.ids import utcnow
from livechat_shared.ratelimit import Limit


class InMemoryApps:
    def __init__(self) -> None:
        self.stored: dict[str, App] = {}

    async def insert(self, app: App) -> None:
        assert app.id not in self.stored
        self.stored[app.id] = app

    async def get(self, app_id: str) -> App | None:
        return self.stored.get(app_id)

    async def list(self, workspace_id: str, skip: int, limit: int) -> tuple[list[App], int]:
        mine = sorted(
            (a for a in self.stored.values() if a.workspace_id == workspace_id),
            key=lambda a: a.created_at,
            reverse=True,
        )
        return mine[skip : skip + limit], len(mine)


class InMemorySessions:
    def __init__(self) -> None:
        self.stored: dict[str, WebchatSession] = {}

    async def insert(self, session: WebchatSession) -> None:
        assert session.id not in self.stored
        self.stored[session.id] = session

    async def find(self, app_id: str, token_digest: str) -> WebchatSession | None:
        session = self.stored.get(token_digest)
        if session is None or session.app_id != app_id or session.expires_at <= utcnow():
            return None
        return session


class InMemoryInboundKeys:
    """A unique ``_id``: inserting a key that is there already answers False."""

    def __init__(self) -> None:
        self.stored: dict[str, InboundKey] = {}

    async def insert(self, key: InboundKey) -> bool:
        if key.id in self.stored:
            return False
        self.stored[key.id] = key
        return True


class InMemoryMailbox:
    def __init__(self) -> None:
        self.entries: dict[str, MailboxEntry] = {}
        self.counters: dict[tuple[str, str], int] = {}

    async def store(self, app_id: str, visitor_id: str, message: MessageView) -> int:
        if message.id in self.entries:
            return self.entries[message.id].cursor
        cursor = self.counters[(app_id, visitor_id)] = self.counters.get((app_id, visitor_id), 0) + 1
        self.entries[message.id] = MailboxEntry(
            id=message.id,
            app_id=app_id,
            visitor_id=visitor_id,
            cursor=cursor,
            message=message,
            stored_at=utcnow(),
        )
        return cursor

    async def since(self, app_id: str, visitor_id: str, after: int) -> list[MailboxEntry]:
        found = [
            e
            for e in self.entries.values()
            if (e.app_id, e.visitor_id) == (app_id, visitor_id) and e.cursor > after
        ]
        return sorted(found, key=lambda e: e.cursor)


class FakePublisher:
    """Records what was published; while ``down`` it refuses like an unconfirmed publish."""

    def __init__(self) -> None:
        self.published: list[Envelope] = []
        self.down = False

    async def publish(self, envelope: Envelope) -> None:
        if self.down:
            raise BrokerUnavailable()
        self.published.append(envelope)

    def of(self, contract: type[Contract]) -> list[Any]:
        return [e.open(contract) for e in self.published if e.type == contract.event_type]


class FakeLimiter:
    """Counts hits per limit name and key (one endless window); past a limit it refuses like the
    real limiter, asking to retry in 42 seconds."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    async def hit(self, key: str, limit: Limit) -> None:
        if limit.count <= 0:
            return
        n = self.counts[(limit.name, key)] = self.counts.get((limit.name, key), 0) + 1
        if n > limit.count:
            raise RateLimited(f"too many {limit.name}; retry later", retry_after=42)


@dataclass
class FakeSocket:
    sent: list[dict[str, Any]] = field(default_factory=list)
    closed: int | None = None

    async def send_json(self, data: Any) -> None:
        self.sent.append(data)

    async def close(self, code: int = 1000) -> None:
        self.closed = code


class FakeHub:
    """Sockets held by this replica, keyed like the real hub; pushes are sent to them."""

    def __init__(self) -> None:
        self.sockets: dict[tuple[str, str], list[Socket]] = {}

    def add(self, app_id: str, visitor_id: str, socket: Socket) -> None:
        self.sockets.setdefault((app_id, visitor_id), []).append(socket)

    def remove(self, app_id: str, visitor_id: str, socket: Socket) -> None:
        self.sockets.get((app_id, visitor_id), []).remove(socket)

    async def push(self, app_id: str, visitor_id: str, frame: dict[str, Any]) -> int:
        held = self.sockets.get((app_id, visitor_id), [])
        for socket in held:
            await socket.send_json(frame)
        return len(held)


@pytest.fixture
def apps() -> InMemoryApps:
    return InMemoryApps()


@pytest.fixture
def sessions() -> InMemorySessions:
    return InMemorySessions()


@pytest.fixture
def inbound_keys() -> InMemoryInboundKeys:
    return InMemoryInboundKeys()


@pytest.fixture
def mailbox() -> InMemoryMailbox:
    return InMemoryMailbox()


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def limiter() -> FakeLimiter:
    return FakeLimiter()


@pytest.fixture
def new_socket() -> Callable[[], FakeSocket]:
    return FakeSocket


@pytest.fixture
def app_use_cases(apps: InMemoryApps) -> AppUseCases:
    return AppUseCases(apps)


@pytest.fixture
def webchat(
    apps: InMemoryApps,
    sessions: InMemorySessions,
    mailbox: InMemoryMailbox,
    hub: FakeHub,
    inbound_keys: InMemoryInboundKeys,
    publisher: FakePublisher,
    limiter: FakeLimiter,
) -> WebchatUseCases:
    """Webchat with limits high enough not to matter (tests of the limits set their own)."""
    return WebchatUseCases(
        apps=apps,
        sessions=sessions,
        mailbox=mailbox,
        hub=hub,
        inbound=InboundAcceptor(inbound_keys, publisher),
        deliveries=DeliveryReporter(publisher),
        session_ttl=timedelta(hours=1),
        limiter=limiter,
        limits=WebchatLimits.per_minute(
            sessions_per_address=1000,
            sessions_per_app=1000,
            messages_per_visitor=1000,
            messages_per_app=1000,
            sockets_per_address=1000,
        ),
        max_frame_bytes=64 * 1024,
    )


class RecordingProviders:
    """The provider channels' delivery, recording the replies handed to it."""

    def __init__(self) -> None:
        self.delivered: list[tuple[OutboundRequestedV1, Envelope]] = []

    async def deliver(self, event: OutboundRequestedV1, cause: Envelope) -> None:
        self.delivered.append((event, cause))


@pytest.fixture
def providers() -> RecordingProviders:
    return RecordingProviders()


@pytest.fixture
def replies(
    mailbox: InMemoryMailbox, hub: FakeHub, publisher: FakePublisher, providers: RecordingProviders
) -> ReplyUseCases:
    return ReplyUseCases(
        mailbox=mailbox,
        hub=hub,
        publisher=publisher,
        deliveries=DeliveryReporter(publisher),
        providers=providers,
    )


@pytest.fixture
def make_app() -> Callable[..., App]:
    """An app of workspace ``ws-1`` (override any field)."""

    def make(**changes: Any) -> App:
        values: dict[str, Any] = {
            "id": "app-1",
            "workspace_id": "ws-1",
            "teamspace_id": "ts-1",
            "team_ids": ["t-1"],
            "channel": "webchat",
            "name": "Acme Site",
            "identity_secret": "the-identity-secret-of-app-1",
            "created_at": datetime(2025, 1, 2, tzinfo=UTC),
        }
        return App(**{**values, **changes})

    return make


@pytest.fixture
async def webchat_app(apps: InMemoryApps, make_app: Callable[..., App]) -> App:
    """A stored Webchat app."""
    app = make_app()
    await apps.insert(app)
    return app


@pytest.fixture
def make_user() -> Callable[..., Principal]:
    def make(role: Role = Role.ADMIN, workspace_id: str = "ws-1", **changes: Any) -> Principal:
        return Principal(user_id="u-1", workspace_id=workspace_id, role=role, **changes)

    return make


@pytest.fixture
def make_reply() -> Callable[..., MessageView]:
    """An agent's reply as the inbox sends it out."""

    def make(message_id: str = "msg-1", text: str = "Hello!", chat_id: str = "chat-1") -> MessageView:
        return MessageView.model_validate(
            {
                "id": message_id,
                "chat_id": chat_id,
                "seq": 2,
                "author": {"type": "agent", "id": "u-1", "name": "Ana"},
                "text": text,
                "created_at": datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
            }
        )

    return make
