"""Publishing events: the port the use cases call, its broker adapter, and the delivery reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from livechat_shared.bus import EventPublisher, PublishNotConfirmedError
from livechat_shared.contracts import DeliveryUpdatedV1, Envelope, MessageView
from livechat_shared.ids import utcnow

from ..errors import BrokerUnavailable

ReportedState = Literal["sent", "delivered", "read", "failed"]


class Publisher(Protocol):
    async def publish(self, envelope: Envelope) -> None:
        """Hand the event to the broker; raises BrokerUnavailable unless the broker confirmed it."""
        ...


@dataclass
class BusPublisher:
    """The :class:`Publisher` of a running service: the runtime's confirmed publisher."""

    events: EventPublisher

    async def publish(self, envelope: Envelope) -> None:
        try:
            await self.events.publish(envelope)
        except PublishNotConfirmedError as exc:
            raise BrokerUnavailable() from exc


@dataclass
class DeliveryReporter:
    """Tells the inbox how far a channel got delivering a message (``DeliveryUpdatedV1``)."""

    publisher: Publisher

    async def report(
        self,
        workspace_id: str,
        app_id: str,
        message: MessageView,
        state: ReportedState,
        cause: Envelope | None = None,
        error: str | None = None,
    ) -> None:
        await self.report_ids(workspace_id, app_id, message.chat_id, message.id, state, cause, error)

    async def report_ids(
        self,
        workspace_id: str,
        app_id: str,
        chat_id: str,
        message_id: str,
        state: ReportedState,
        cause: Envelope | None = None,
        error: str | None = None,
    ) -> None:
        """:meth:`report` for a message known by its ids only (a provider's status callback);
        ``error`` says why a ``failed`` message failed, as the agent reads it."""
        update = DeliveryUpdatedV1(
            app_id=app_id, chat_id=chat_id, message_id=message_id, state=state, error=error, at=utcnow()
        )
        await self.publisher.publish(
            Envelope.wrap(update, workspace_id=workspace_id, chat_id=chat_id, causation=cause)
        )
