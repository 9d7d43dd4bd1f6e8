"""Replies to people on the provider channels (WhatsApp, Messenger, Telegram), and the providers'
status callbacks mapped back to our messages.

Every outbound event ends in a report the agent sees: ``sent`` once the provider took the message, or
``failed`` with the reason once the provider refused it or stayed unreachable through every try (the
event is then kept as a dead letter). Reports need the broker's confirm: when it is down,
BrokerUnavailable makes the bus redeliver the event, and a message recorded as sent before is then
reported again, not sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from livechat_shared.contracts import Author, Channel, Envelope, MessageView, OutboundRequestedV1
from livechat_shared.errors import RateLimited
from livechat_shared.ids import new_id, utcnow
from livechat_shared.ratelimit import Limit
from livechat_shared.telemetry import get_logger
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential

from ..core.models import App
from ..core.publishing import DeliveryReporter, ReportedState
from .rules import SendFailed, worth_retrying
from .schemas import DeadLetter, ProviderRequest, SentMessage

log = get_logger(__name__)

MAX_BACKOFF_SECONDS = 30.0
"""The longest wait between two tries, however many there are."""


class AppReader(Protocol):
    async def get(self, app_id: str) -> App | None: ...


class ProviderApi(Protocol):
    """A provider's send API (``adapters.py``)."""

    def requests(
        self, credentials: Mapping[str, str], to: str, message: MessageView
    ) -> list[ProviderRequest]:
        """The calls that carry ``message`` to ``to``; raises SendFailed when a credential is missing."""
        ...

    async def send(self, request: ProviderRequest) -> str:
        """One call; the provider's id of the message it took. Raises SendFailed."""
        ...


class SentLog(Protocol):
    async def record(self, sent: list[SentMessage]) -> None: ...

    async def of_message(self, message_id: str) -> SentMessage | None: ...

    async def get(self, app_id: str, provider_message_id: str) -> SentMessage | None: ...


class DeadLetters(Protocol):
    async def keep(self, letter: DeadLetter) -> None:
        """Store ``letter``, replacing the one of the same event."""
        ...


@dataclass
class OutboundUseCases:
    apps: AppReader
    apis: Mapping[Channel, ProviderApi]
    sent: SentLog
    dead_letters: DeadLetters
    deliveries: DeliveryReporter
    attempts: int = 5
    """Tries per provider call (the retryable failures only: timeouts, connection errors, 429, 5xx)."""
    backoff_seconds: float = 0.5
    """The wait before the second try, doubled before each next one (up to MAX_BACKOFF_SECONDS)."""
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def deliver(self, event: OutboundRequestedV1, cause: Envelope) -> None:
        """Send the event's message through the app's provider and report ``sent`` or ``failed``.
        Raises BrokerUnavailable when the report could not be published (the event comes back)."""
        message = event.message
        if await self.sent.of_message(message.id) is None:
            try:
                provider_ids = await self._send(event)
            except SendFailed as exc:
                await self._give_up(event, cause, str(exc))
                return
            at = utcnow()
            await self.sent.record(
                [
                    SentMessage(
                        id=SentMessage.key(event.app_id, provider_id),
                        workspace_id=cause.workspace_id,
                        app_id=event.app_id,
                        chat_id=message.chat_id,
                        message_id=message.id,
                        at=at,
                    )
                    for provider_id in provider_ids
                ]
            )
        await self.deliveries.report(cause.workspace_id, event.app_id, message, "sent", cause=cause)

    async def _send(self, event: OutboundRequestedV1) -> list[str]:
        """The provider's ids of the parts of the message (text, attachments), each call tried until it
        passes or fails for good; a part that passed is not sent again when a later one is retried."""
        app, api = await self.apps.get(event.app_id), self.apis.get(event.channel)
        if app is None or app.channel != event.channel or api is None:
            raise SendFailed(f"no {event.channel} app {event.app_id}")
        requests = api.requests(app.credentials, event.person_external_id, event.message)
        if not requests:
            raise SendFailed("the message has neither text nor attachments")
        return [await self._tried(api, request) for request in requests]

    async def _tried(self, api: ProviderApi, request: ProviderRequest) -> str:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff_seconds, max=MAX_BACKOFF_SECONDS),
            retry=retry_if_exception(worth_retrying),
            sleep=self.sleep,
            before_sleep=_log_retry,
            reraise=True,
        )
        provider_id: str = await retrying(api.send, request)
        return provider_id

    async def _give_up(self, event: OutboundRequestedV1, cause: Envelope, error: str) -> None:
        """Keep the event, then tell the agent (in that order: a report is never without its letter)."""
        log.warning(
            "outbound_failed",
            channel=event.channel,
            app_id=event.app_id,
            message_id=event.message.id,
            error=error,
        )
        letter = DeadLetter(
            id=cause.event_id,
            workspace_id=cause.workspace_id,
            app_id=event.app_id,
            channel=event.channel,
            message_id=event.message.id,
            envelope=cause.model_dump(mode="json"),
            error=error,
            at=utcnow(),
        )
        await self.dead_letters.keep(letter)
        await self.deliveries.report(
            cause.workspace_id, event.app_id, event.message, "failed", cause=cause, error=error
        )


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.info("outbound_retry", attempt=state.attempt_number, error=str(error))


@dataclass
class ReceiptUseCases:
    """The providers' status callbacks (sent, delivered, read, failed) for messages we sent."""

    sent: SentLog
    deliveries: DeliveryReporter

    async def provider_status(
        self, app: App, provider_message_id: str, state: ReportedState, error: str | None = None
    ) -> bool:
        """Report ``state`` for the message ``app``'s provider knows as ``provider_message_id``; False
        when it is none of ours (sent by someone else, or long ago). Callbacks may come out of order:
        the inbox ignores a report that does not advance the message. Raises BrokerUnavailable."""
        sent = await self.sent.get(app.id, provider_message_id)
        if sent is None:
            return False
        await self.deliveries.report_ids(
            sent.workspace_id, app.id, sent.chat_id, sent.message_id, state, error=error
        )
        return True


class Limiter(Protocol):
    async def hit(self, key: str, limit: Limit) -> None: ...


@dataclass
class BanNotices:
    """Tells a banned person on a provider channel, once per ``per_person`` window, that they cannot
    write here (``LIVECHAT_BAN_NOTICE``): one try, in the background (the webhook does not wait for
    it), nothing recorded or reported — it is no message of any chat. The window keeps a banned
    sender from turning the suite into an amplifier of their messages."""

    apps: AppReader
    apis: Mapping[Channel, ProviderApi]
    limiter: Limiter
    text: str
    per_person: Limit = field(default_factory=lambda: Limit(1, 3600, "ban notices to this person"))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    async def banned(self, app: App, person_external_id: str) -> None:
        api = self.apis.get(app.channel)
        if not self.text or api is None:
            return
        try:
            await self.limiter.hit(f"ban-notice:{app.id}:{person_external_id}", self.per_person)
        except RateLimited:
            return  # told within the window
        notice = MessageView(
            id=new_id(),
            chat_id="",
            seq=0,
            author=Author(type="system"),
            text=self.text,
            created_at=utcnow(),
        )
        task = asyncio.create_task(self._send(api, app, person_external_id, notice))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, api: ProviderApi, app: App, to: str, notice: MessageView) -> None:
        try:
            for request in api.requests(app.credentials, to, notice):
                await api.send(request)
        except SendFailed as exc:
            log.warning("ban_notice_failed", app_id=app.id, error=str(exc))
