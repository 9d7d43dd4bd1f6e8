"""Use cases of the provider channels (WhatsApp, Messenger, Telegram) and the generic API channel:
check who is posting, read the delivery, accept each message once.

Nothing is read from a body before its sender is proven (signature, secret token or API key), and a
delivery is answered only after each of its messages is published with the broker's confirm — a
broker outage is a 503, so the provider delivers again later. Repeats (providers redeliver for days)
are told apart by the provider's message id (``InboundAcceptor``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Protocol

from livechat_shared.contracts import Channel, ConnectorMessageV1, MessageView
from livechat_shared.errors import RateLimited
from livechat_shared.ids import utcnow
from livechat_shared.ratelimit import Limit
from livechat_shared.telemetry import get_logger

from ..core.inbound import InboundAcceptor
from ..core.models import App, MailboxEntry
from ..core.publishing import ReportedState
from ..core.tokens import digest
from ..errors import AppNotFound, BrokerUnavailable, HandshakeRefused, InvalidSignature, MalformedPayload
from . import rules
from .schemas import WebhookResult

log = get_logger(__name__)


class AppReader(Protocol):
    async def get(self, app_id: str) -> App | None: ...


class Receipts(Protocol):
    async def provider_status(
        self, app: App, provider_message_id: str, state: rules.StatusState, error: str | None = None
    ) -> bool:
        """Report the state of the message we sent as ``provider_message_id``; False when unknown."""
        ...


class Mailbox(Protocol):
    async def since(
        self, app_id: str, visitor_id: str, after: int, limit: int = 200
    ) -> list[MailboxEntry]: ...


class Deliveries(Protocol):
    async def report(
        self, workspace_id: str, app_id: str, message: MessageView, state: ReportedState
    ) -> None: ...


class Notices(Protocol):
    async def banned(self, app: App, person_external_id: str) -> None:
        """Tell a banned person (at most once in a while) that they cannot write here."""
        ...


class Limiter(Protocol):
    async def hit(self, key: str, limit: Limit) -> None:
        """Count one hit of ``key``; raises RateLimited past ``limit`` (a count of 0: no limit)."""
        ...


@dataclass(frozen=True)
class ChannelLimits:
    """Abuse limits on inbound traffic (per window of ``Limit.per_seconds``): past ``per_app`` the
    whole delivery is refused with 429 and ``Retry-After`` (the provider delivers it again later;
    what was accepted before is then a duplicate); past ``per_person`` that person's messages are
    dropped and counted (``limited``), the others of the delivery still go through."""

    per_person: Limit
    per_app: Limit


@dataclass
class ChannelUseCases:
    apps: AppReader
    inbound: InboundAcceptor
    limiter: Limiter
    limits: ChannelLimits
    receipts: Receipts
    mailbox: Mailbox
    """Replies to people on API-channel apps wait here until the app's client fetches them."""
    deliveries: Deliveries
    notices: Notices
    whatsapp_media_url: str = "https://graph.facebook.com/v21.0"
    """Where a WhatsApp media id is fetched from (an attachment's address is ``<this>/<media id>``)."""

    async def _app(self, channel: Channel, app_id: str) -> App:
        """The app, when it is one of this channel (any other answer is 404, as for no app)."""
        app = await self.apps.get(app_id)
        if app is None or app.channel != channel:
            raise AppNotFound(f"no {channel} app {app_id}")
        return app

    async def handshake(
        self, channel: Channel, app_id: str, mode: str | None, token: str | None, challenge: str | None
    ) -> str:
        """Meta's subscription check (WhatsApp, Messenger): the challenge back when the verify token
        is the app's; 403 otherwise."""
        app = await self._app(channel, app_id)
        answer = rules.handshake_answer(app.credentials.get("verify_token", ""), mode, token, challenge)
        if answer is None:
            raise HandshakeRefused()
        return answer

    async def meta_delivery(
        self, channel: Channel, app_id: str, body: bytes, signature: str | None
    ) -> WebhookResult:
        """A WhatsApp or Messenger delivery, signed with the app secret (``X-Hub-Signature-256``)."""
        app = await self._app(channel, app_id)
        if not rules.signature_valid(app.credentials.get("app_secret", ""), body, signature):
            raise InvalidSignature("X-Hub-Signature-256 does not match the body")
        return await self._accept(app, body)

    async def telegram_update(self, app_id: str, body: bytes, secret_token: str | None) -> WebhookResult:
        """A Telegram update, carrying the secret token set with ``setWebhook``."""
        app = await self._app("telegram", app_id)
        if not rules.same_secret(app.credentials.get("secret_token", ""), secret_token):
            raise InvalidSignature("X-Telegram-Bot-Api-Secret-Token is missing or wrong")
        return await self._accept(app, body)

    async def api_message(self, app_id: str, body: bytes, api_key: str | None) -> WebhookResult:
        """A message on the generic API channel, with the app's key as the bearer token."""
        return await self._accept(await self._api_app(app_id, api_key), body)

    async def api_replies(
        self, app_id: str, api_key: str | None, person_external_id: str, after: int
    ) -> list[MailboxEntry]:
        """The replies to a person of an API-channel app after cursor ``after``, oldest first (the
        app's client fetches them; each fetched one is reported delivered)."""
        app = await self._api_app(app_id, api_key)
        entries = await self.mailbox.since(app.id, person_external_id, after)
        for entry in entries:
            with contextlib.suppress(BrokerUnavailable):  # best effort: the client has it
                await self.deliveries.report(app.workspace_id, app.id, entry.message, "delivered")
        return entries

    async def _api_app(self, app_id: str, api_key: str | None) -> App:
        app = await self._app("api", app_id)
        if not api_key or not rules.same_secret(app.api_key_hash or "", digest(api_key)):
            raise InvalidSignature("Authorization: Bearer <the app's api key> is required")
        return app

    async def connector_message(self, workspace_id: str, event: ConnectorMessageV1) -> str:
        """A message a connector published on the bus: for an API-channel app of the envelope's
        workspace (else :class:`AppNotFound`, and the message is dead-lettered), accepted once per
        ``external_message_id`` and stopped for a banned person, as on the HTTP endpoint."""
        app = await self._app("api", event.app_id)
        if app.workspace_id != workspace_id:
            raise AppNotFound(f"no api app {event.app_id}")
        incoming = rules.Incoming(
            event.external_message_id, event.person, event.text, tuple(event.attachments)
        )
        status = await self.inbound.accept(rules.received(app, incoming, utcnow()), workspace_id)
        log.info("connector_message", app_id=app.id, status=status)
        return status

    async def _accept(self, app: App, body: bytes) -> WebhookResult:
        try:
            parsed = rules.parse(app.channel, body, self.whatsapp_media_url)
        except rules.Malformed as error:
            raise MalformedPayload(f"not a {app.channel} payload: {error}") from None
        counts = {"accepted": 0, "duplicate": 0, "banned": 0, "limited": 0}
        at = utcnow()
        for incoming in parsed.messages:
            await self.limiter.hit(app.id, self.limits.per_app)  # past it: 429 for the delivery
            try:
                await self.limiter.hit(f"{app.id}:{incoming.person.external_id}", self.limits.per_person)
            except RateLimited:
                counts["limited"] += 1
                continue
            outcome = await self.inbound.accept(rules.received(app, incoming, at), app.workspace_id)
            counts[outcome] += 1
            if outcome == "banned":
                await self.notices.banned(app, incoming.person.external_id)
        accepted, duplicates, banned = counts["accepted"], counts["duplicate"], counts["banned"]
        limited, receipts, ignored = counts["limited"], 0, parsed.ignored
        for status in parsed.statuses:
            if await self.receipts.provider_status(
                app, status.provider_message_id, status.state, status.error
            ):
                receipts += 1
            else:
                ignored += 1
        log.info(
            "channel_delivery",
            channel=app.channel,
            app_id=app.id,
            accepted=accepted,
            duplicates=duplicates,
            banned=banned,
            limited=limited,
            receipts=receipts,
            ignored=ignored,
        )
        return WebhookResult(
            accepted=accepted,
            duplicates=duplicates,
            banned=banned,
            limited=limited,
            receipts=receipts,
            ignored=ignored,
        )
