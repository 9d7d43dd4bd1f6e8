"""Use cases of the channel edge. Routes and message handlers call these and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livechat_shared.bus import EventPublisher
from livechat_shared.events import DeliveryUpdatedV1, Envelope, OutboundRequestedV1, WebchatMessageStoredV1
from livechat_shared.http import ApiError, not_found
from livechat_shared.ids import utcnow
from livechat_shared.telemetry import get_logger

from .domain import WebchatMessage, webchat_received
from .repositories import AppRepository, InboundKeyRepository, MailboxRepository, SessionRepository
from .webchat import WebchatHub

log = get_logger(__name__)


@dataclass
class IngestService:
    apps: AppRepository
    sessions: SessionRepository
    inbound_keys: InboundKeyRepository
    mailbox: MailboxRepository
    publisher: EventPublisher
    hub: WebchatHub

    async def webchat_app(self, app_id: str) -> dict[str, Any]:
        app = await self.apps.get(app_id)
        if app is None or app["channel"] != "webchat":
            raise not_found("webchat app")
        return app

    async def webchat_session(self, app_id: str, token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        app = await self.webchat_app(app_id)
        session = await self.sessions.find(app_id, token) if token else None
        if session is None:
            raise ApiError(401, "invalid_session", "a valid webchat session token is required")
        return app, session

    async def accept_webchat_message(
        self,
        app: dict[str, Any],
        session: dict[str, Any],
        message: WebchatMessage,
        correlation_id: str | None,
    ) -> bool:
        """Publish the message; False for a repeat. Raises when the broker did not confirm it."""
        received = webchat_received(app, session, message, utcnow())
        if await self.inbound_keys.seen(app["_id"], received.external_message_id):
            return False
        envelope = Envelope.wrap(received, workspace_id=app["workspace_id"], correlation_id=correlation_id)
        await self.publisher.publish(envelope)
        await self.inbound_keys.remember(app["_id"], received.external_message_id)
        log.info("message_accepted", app_id=app["_id"], event_id=envelope.event_id)
        return True

    async def on_outbound_requested(self, envelope: Envelope) -> None:
        """Durable delivery of a reply: a webchat reply goes to the visitor's mailbox (once per
        message), then every replica is told so the one holding the visitor's socket pushes it."""
        event = envelope.open(OutboundRequestedV1)
        if event.channel != "webchat":
            # Provider adapters (WhatsApp, Messenger, Telegram, API) arrive with the channels work;
            # until then the reply is kept in the mailbox so nothing is dropped.
            log.warning("outbound_channel_not_connected", channel=event.channel, app_id=event.app_id)
        message = event.message.model_dump(mode="json")
        cursor = await self.mailbox.store(event.app_id, event.person_external_id, message)
        stored = WebchatMessageStoredV1(
            app_id=event.app_id, visitor_id=event.person_external_id, cursor=cursor, message=event.message
        )
        await self.publisher.publish(
            Envelope.wrap(
                stored, workspace_id=envelope.workspace_id, chat_id=envelope.chat_id, causation=envelope
            )
        )
        if event.channel == "webchat":  # in the person's mailbox: the channel has it
            await self.report_delivery(envelope.workspace_id, event.app_id, message, "sent", cause=envelope)

    async def on_webchat_stored(self, envelope: Envelope) -> None:
        """Per-replica fan-out: push to the visitor's sockets held by this replica."""
        event = envelope.open(WebchatMessageStoredV1)
        message = event.message.model_dump(mode="json")
        if await self.hub.push(event.app_id, event.visitor_id, webchat_frame(event.cursor, message)):
            await self.report_delivery(
                envelope.workspace_id, event.app_id, message, "delivered", cause=envelope
            )

    async def report_delivery(
        self,
        workspace_id: str,
        app_id: str,
        message: dict[str, Any],
        state: str,
        cause: Envelope | None = None,
    ) -> None:
        update = DeliveryUpdatedV1(
            app_id=app_id, chat_id=message["chat_id"], message_id=message["id"], state=state, at=utcnow()
        )
        await self.publisher.publish(
            Envelope.wrap(update, workspace_id=workspace_id, chat_id=message["chat_id"], causation=cause)
        )


def webchat_frame(cursor: int, message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "cursor": cursor, "message": message}
