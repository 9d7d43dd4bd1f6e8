"""In-memory fakes of outbound delivery: the sent log, the dead letters and a provider API whose
answers a test scripts, and the use cases built on them (with a sleep that only records)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from ingest.core.models import App
from ingest.core.publishing import DeliveryReporter
from ingest.outbound.rules import SendFailed, text_parts
from ingest.outbound.schemas import DeadLetter, ProviderRequest, SentMessage
from ingest.outbound.use_cases import OutboundUseCases, ReceiptUseCases
from livechat_shared.contracts import MessageView


class InMemorySent:
    def __init__(self) -> None:
        self.stored: dict[str, SentMessage] = {}

    async def record(self, sent: list[SentMessage]) -> None:
        self.stored.update((one.id, one) for one in sent)

    async def of_message(self, message_id: str) -> SentMessage | None:
        return next((s for s in self.stored.values() if s.message_id == message_id), None)

    async def get(self, app_id: str, provider_message_id: str) -> SentMessage | None:
        return self.stored.get(SentMessage.key(app_id, provider_message_id))


class InMemoryDeadLetters:
    def __init__(self) -> None:
        self.stored: dict[str, DeadLetter] = {}

    async def keep(self, letter: DeadLetter) -> None:
        self.stored[letter.id] = letter


class ScriptedApi:
    """A provider: one call per text part and per attachment; each call takes the next scripted
    outcome (a SendFailed is raised), then answers ``p-<n>`` once the script is used up."""

    def __init__(self) -> None:
        self.script: list[SendFailed | str] = []
        self.calls: list[ProviderRequest] = []

    def requests(
        self, credentials: Mapping[str, str], to: str, message: MessageView
    ) -> list[ProviderRequest]:
        parts = [{"to": to, "text": part} for part in text_parts(message.text, 4096)]
        parts += [{"to": to, "link": a.url} for a in message.attachments]
        return [ProviderRequest("send", part, headers=dict(credentials)) for part in parts]

    async def send(self, request: ProviderRequest) -> str:
        self.calls.append(request)
        outcome = self.script.pop(0) if self.script else f"p-{len(self.calls)}"
        if isinstance(outcome, SendFailed):
            raise outcome
        return outcome


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sent() -> InMemorySent:
    return InMemorySent()


@pytest.fixture
def dead_letters() -> InMemoryDeadLetters:
    return InMemoryDeadLetters()


@pytest.fixture
def api() -> ScriptedApi:
    return ScriptedApi()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def whatsapp_app(apps: Any, make_app: Callable[..., App]) -> App:
    app = make_app(channel="whatsapp", credentials={"access_token": "tok", "phone_number_id": "123"})
    await apps.insert(app)
    return app


@pytest.fixture
def outbound(
    apps: Any,
    api: ScriptedApi,
    sent: InMemorySent,
    dead_letters: InMemoryDeadLetters,
    publisher: Any,
    sleeps: Sleeps,
) -> OutboundUseCases:
    """Five tries, half a second before the second one."""
    return OutboundUseCases(
        apps=apps,
        apis={"whatsapp": api},
        sent=sent,
        dead_letters=dead_letters,
        deliveries=DeliveryReporter(publisher),
        attempts=5,
        backoff_seconds=0.5,
        sleep=sleeps,
    )


@pytest.fixture
def receipts(sent: InMemorySent, publisher: Any) -> ReceiptUseCases:
    return ReceiptUseCases(sent, DeliveryReporter(publisher))


@pytest.fixture
def make_message() -> Callable[..., MessageView]:
    """An agent's reply in chat-1 (``attachments`` as ``(url, content type)``)."""

    def make(
        text: str = "Hello!", attachments: tuple[tuple[str, str], ...] = (), message_id: str = "msg-1"
    ) -> MessageView:
        return MessageView.model_validate(
            {
                "id": message_id,
                "chat_id": "chat-1",
                "seq": 2,
                "author": {"type": "agent", "id": "u-1", "name": "Ana"},
                "text": text,
                "attachments": [{"url": url, "content_type": kind} for url, kind in attachments],
                "created_at": datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
            }
        )

    return make
