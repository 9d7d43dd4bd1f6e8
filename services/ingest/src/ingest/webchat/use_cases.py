"""Use cases of webchat: the person's side (sessions, messages, the live socket) and the delivery
of replies to visitors (the mailbox, then the replica holding their socket)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from livechat_shared.contracts import Envelope, MessageView, OutboundRequestedV1, WebchatMessageStoredV1
from livechat_shared.errors import RateLimited
from livechat_shared.ids import utcnow
from livechat_shared.ratelimit import Limit
from livechat_shared.telemetry import get_logger

from ..core.channels import PROVIDER_CHANNELS
from ..core.inbound import Acceptance, InboundAcceptor
from ..core.models import App, MailboxEntry, WebchatSession
from ..core.publishing import DeliveryReporter, Publisher
from ..core.tokens import digest, new_secret
from ..errors import BrokerUnavailable, InvalidCursor, InvalidSession, VisitorUnverified, WebchatAppNotFound
from .hub import Socket
from .rules import (
    broker_unavailable_frame,
    message_frame,
    new_visitor_id,
    parse_after,
    rate_limited_frame,
    read_frame,
    seconds_left,
    visitor_proven,
    webchat_received,
)
from .schemas import AckFrame, ErrorFrame, Frame, SessionCreate, SessionOut, WebchatMessage

log = get_logger(__name__)


class Limiter(Protocol):
    async def hit(self, key: str, limit: Limit) -> None:
        """Count one hit of ``key``; raises RateLimited past ``limit`` (a count of 0: no limit)."""
        ...


@dataclass(frozen=True)
class WebchatLimits:
    """The limits of the public webchat edge (per window of ``Limit.per_seconds``)."""

    sessions_per_address: Limit
    sessions_per_app: Limit
    messages_per_visitor: Limit
    messages_per_app: Limit
    sockets_per_address: Limit

    @classmethod
    def per_minute(
        cls,
        *,
        sessions_per_address: int,
        sessions_per_app: int,
        messages_per_visitor: int,
        messages_per_app: int,
        sockets_per_address: int,
    ) -> WebchatLimits:
        """Counts per minute; the names read well in "too many <name>; retry later"."""
        return cls(
            sessions_per_address=Limit(sessions_per_address, 60, "webchat sessions from this address"),
            sessions_per_app=Limit(sessions_per_app, 60, "webchat sessions on this app"),
            messages_per_visitor=Limit(messages_per_visitor, 60, "messages from this visitor"),
            messages_per_app=Limit(messages_per_app, 60, "messages on this app"),
            sockets_per_address=Limit(sockets_per_address, 60, "webchat connections from this address"),
        )


class AppReader(Protocol):
    async def get(self, app_id: str) -> App | None: ...


class SessionStore(Protocol):
    async def insert(self, session: WebchatSession) -> None: ...

    async def find(self, app_id: str, token_digest: str) -> WebchatSession | None:
        """The app's unexpired session with this token digest."""
        ...


class Mailbox(Protocol):
    async def store(self, app_id: str, visitor_id: str, message: MessageView) -> int:
        """Store once per message id; the cursor (the first one when it was stored before)."""
        ...

    async def since(self, app_id: str, visitor_id: str, after: int) -> list[MailboxEntry]: ...


class ProviderDelivery(Protocol):
    async def deliver(self, event: OutboundRequestedV1, cause: Envelope) -> None:
        """Send a reply through the channel's provider and report it ``sent`` or ``failed``."""
        ...


class SocketHub(Protocol):
    def add(self, app_id: str, visitor_id: str, socket: Socket) -> None: ...

    def remove(self, app_id: str, visitor_id: str, socket: Socket) -> None: ...

    async def push(self, app_id: str, visitor_id: str, frame: dict[str, Any]) -> int:
        """How many of this replica's sockets of the visitor took the frame."""
        ...


@dataclass(frozen=True)
class Visitor:
    """A person with a valid session on a Webchat app."""

    app: App
    session: WebchatSession

    @property
    def visitor_id(self) -> str:
        return self.session.visitor_id


@dataclass
class WebchatUseCases:
    """The person's side of webchat."""

    apps: AppReader
    sessions: SessionStore
    mailbox: Mailbox
    hub: SocketHub
    inbound: InboundAcceptor
    deliveries: DeliveryReporter
    session_ttl: timedelta
    limiter: Limiter
    limits: WebchatLimits
    max_frame_bytes: int
    """The largest socket frame read; a larger one is answered with ``frame_too_large``."""
    ban_notice: str | None = None
    """What a banned person is told when their message stops (``None``: nothing)."""

    def notice(self, status: Acceptance) -> str | None:
        """The ban notice, for a message that stopped because its person is banned."""
        return self.ban_notice if status == "banned" else None

    async def app(self, app_id: str) -> App:
        app = await self.apps.get(app_id)
        if app is None or app.channel != "webchat":
            raise WebchatAppNotFound()
        return app

    async def start_session(
        self, app_id: str, request: SessionCreate, *, address: str, proof_token: str | None = None
    ) -> SessionOut:
        """A new visitor, or a new session for ``request.visitor_id`` when the caller proves to be
        them: ``proof_token`` is a live session token of that visitor, or ``request.visitor_hash``
        signs the id. Raises VisitorUnverified (nothing stored) otherwise, RateLimited past a limit."""
        await self.limiter.hit(address, self.limits.sessions_per_address)
        app = await self.app(app_id)
        await self.limiter.hit(app.id, self.limits.sessions_per_app)
        name, language = request.name, request.language
        if request.visitor_id is None:
            visitor_id = new_visitor_id()
        else:
            proof = await self.sessions.find(app.id, digest(proof_token)) if proof_token else None
            if not visitor_proven(app, request.visitor_id, proof, request.visitor_hash):
                raise VisitorUnverified()
            visitor_id = request.visitor_id
            if proof is not None and proof.visitor_id == visitor_id:  # what they told before stays
                name = proof.name if name is None else name
                language = proof.language if language is None else language
        token, now = new_secret(), utcnow()
        session = WebchatSession(
            id=digest(token),
            app_id=app.id,
            workspace_id=app.workspace_id,
            visitor_id=visitor_id,
            name=name,
            language=language,
            created_at=now,
            expires_at=now + self.session_ttl,
        )
        await self.sessions.insert(session)
        return SessionOut(session_token=token, visitor_id=visitor_id, expires_at=session.expires_at)

    async def visitor(self, app_id: str, token: str | None) -> Visitor:
        """The Webchat app and the session ``token`` opens on it."""
        app = await self.app(app_id)
        session = await self.sessions.find(app_id, digest(token)) if token else None
        if session is None:
            raise InvalidSession()
        return Visitor(app, session)

    async def send(
        self, app_id: str, token: str | None, message: WebchatMessage, correlation_id: str | None
    ) -> Acceptance:
        """A message sent over HTTP; raises RateLimited past a limit, BrokerUnavailable when it could
        not be accepted."""
        visitor = await self.visitor(app_id, token)
        await self._count_message(visitor)
        return await self.accept(visitor, message, correlation_id)

    async def accept(
        self, visitor: Visitor, message: WebchatMessage, correlation_id: str | None = None
    ) -> Acceptance:
        received = webchat_received(visitor.app, visitor.session, message, utcnow())
        return await self.inbound.accept(received, visitor.app.workspace_id, correlation_id)

    async def _count_message(self, visitor: Visitor) -> None:
        await self.limiter.hit(f"{visitor.app.id}:{visitor.visitor_id}", self.limits.messages_per_visitor)
        await self.limiter.hit(visitor.app.id, self.limits.messages_per_app)

    # --- the live socket ----------------------------------------------------------------------

    async def open_socket(
        self, app_id: str, token: str | None, after: str | None, *, address: str
    ) -> tuple[Visitor, int]:
        """Before a socket is accepted: the visitor it opens and the cursor to replay after.
        Raises RateLimited (too many connections from ``address``), InvalidCursor, WebchatAppNotFound
        or InvalidSession."""
        await self.limiter.hit(address, self.limits.sockets_per_address)
        cursor = parse_after(after)
        if cursor is None:
            raise InvalidCursor()
        return await self.visitor(app_id, token), cursor

    def seconds_left(self, visitor: Visitor) -> float:
        """How long the visitor's socket may stay open (its session's remaining life)."""
        return seconds_left(visitor.session, utcnow())

    async def connect(self, visitor: Visitor, socket: Socket, after: int) -> None:
        """Hold the person's socket on this replica, then send what came after cursor ``after``."""
        self.hub.add(visitor.app.id, visitor.visitor_id, socket)
        for entry in await self.mailbox.since(visitor.app.id, visitor.visitor_id, after):
            await socket.send_json(message_frame(entry.cursor, entry.message))
            with contextlib.suppress(BrokerUnavailable):  # best effort: the message did arrive
                await self.deliveries.report(
                    visitor.app.workspace_id, visitor.app.id, entry.message, "delivered"
                )

    def disconnect(self, visitor: Visitor, socket: Socket) -> None:
        self.hub.remove(visitor.app.id, visitor.visitor_id, socket)

    async def receive_frame(self, visitor: Visitor, text: str | None) -> Frame:
        """What to answer to a frame the person sent (``text``, None for a binary frame): an ack, or
        an error frame. Every frame gets an answer."""
        parsed = read_frame(text, self.max_frame_bytes)
        if isinstance(parsed, ErrorFrame):
            return parsed
        try:
            await self._count_message(visitor)
            status = await self.accept(visitor, parsed)
        except RateLimited as exc:
            return rate_limited_frame(parsed.client_message_id, exc.message, exc.retry_after)
        except BrokerUnavailable:
            return broker_unavailable_frame(parsed.client_message_id)
        return AckFrame(client_message_id=parsed.client_message_id, status=status, notice=self.notice(status))


@dataclass
class ReplyUseCases:
    """Replies to people: on webchat stored in the visitor's mailbox, then pushed by whichever replica
    holds their socket; on WhatsApp, Messenger and Telegram handed to ``providers``."""

    mailbox: Mailbox
    hub: SocketHub
    publisher: Publisher
    deliveries: DeliveryReporter
    providers: ProviderDelivery

    async def deliver(self, event: OutboundRequestedV1, cause: Envelope) -> None:
        """Durable delivery of a reply: a webchat reply goes to the visitor's mailbox (once per
        message), then every replica is told so the one holding the visitor's socket pushes it. A reply
        on a provider channel goes to its provider."""
        if event.channel in PROVIDER_CHANNELS:
            await self.providers.deliver(event, cause)
            return
        if event.channel != "webchat":
            # The api channel's delivery arrives with the channels work; until then the reply is kept
            # in the mailbox so nothing is dropped.
            log.warning("outbound_channel_not_connected", channel=event.channel, app_id=event.app_id)
        cursor = await self.mailbox.store(event.app_id, event.person_external_id, event.message)
        stored = WebchatMessageStoredV1(
            app_id=event.app_id, visitor_id=event.person_external_id, cursor=cursor, message=event.message
        )
        await self.publisher.publish(
            Envelope.wrap(stored, workspace_id=cause.workspace_id, chat_id=cause.chat_id, causation=cause)
        )
        if event.channel == "webchat":  # in the person's mailbox: the channel has it
            await self.deliveries.report(cause.workspace_id, event.app_id, event.message, "sent", cause=cause)

    async def push(self, event: WebchatMessageStoredV1, cause: Envelope) -> None:
        """Per-replica fan-out: push to the visitor's sockets held by this replica."""
        if await self.hub.push(event.app_id, event.visitor_id, message_frame(event.cursor, event.message)):
            await self.deliveries.report(
                cause.workspace_id, event.app_id, event.message, "delivered", cause=cause
            )
