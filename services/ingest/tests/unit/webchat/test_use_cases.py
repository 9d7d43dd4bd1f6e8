"""Use cases of webchat against in-memory repositories, publisher and socket hub."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from ingest.core.tokens import digest
from ingest.errors import (
    BrokerUnavailable,
    InvalidCursor,
    InvalidSession,
    VisitorUnverified,
    WebchatAppNotFound,
)
from ingest.webchat.rules import visitor_hash
from ingest.webchat.schemas import AckFrame, ErrorFrame, SessionCreate, WebchatMessage
from ingest.webchat.use_cases import ReplyUseCases, Visitor, WebchatLimits, WebchatUseCases
from livechat_shared.contracts import (
    DeliveryUpdatedV1,
    Envelope,
    MessageReceivedV1,
    OutboundRequestedV1,
    WebchatMessageStoredV1,
)
from livechat_shared.errors import RateLimited

ADDRESS = "203.0.113.5"
SECRET = "the-identity-secret-of-app-1"  # the identity secret of conftest's make_app


async def start(
    webchat: WebchatUseCases, app_id: str = "app-1", proof: str | None = None, **fields: Any
) -> tuple[str, Visitor]:
    """A session on the app: its token and the visitor it opens."""
    started = await webchat.start_session(app_id, SessionCreate(**fields), address=ADDRESS, proof_token=proof)
    return started.session_token, await webchat.visitor(app_id, started.session_token)


def signed(visitor_id: str, secret: str = SECRET) -> dict[str, str]:
    """The fields a site's backend sends to start a session for its own user id."""
    return {"visitor_id": visitor_id, "visitor_hash": visitor_hash(secret, visitor_id)}


def limited(webchat: WebchatUseCases, **counts: int) -> WebchatUseCases:
    """The same use cases with the given per-minute limits (the others unlimited)."""
    names = ("sessions_per_address", "sessions_per_app", "messages_per_visitor", "messages_per_app")
    values = {name: counts.get(name, 0) for name in (*names, "sockets_per_address")}
    return dataclasses.replace(webchat, limits=WebchatLimits.per_minute(**values))


def hello(client_message_id: str = "c-1") -> WebchatMessage:
    return WebchatMessage(text="hello", client_message_id=client_message_id)


# --- sessions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["api", "telegram"])
async def test_a_session_needs_a_webchat_app(
    webchat: WebchatUseCases, apps: Any, sessions: Any, make_app: Callable[..., Any], channel: str
) -> None:
    await apps.insert(make_app(id="other", channel=channel))
    for app_id in ("NO-SUCH-APP", "other"):
        with pytest.raises(WebchatAppNotFound) as info:
            await webchat.start_session(app_id, SessionCreate(), address=ADDRESS)
        assert (info.value.code, info.value.message) == ("not_found", "webchat app not found")
    assert sessions.stored == {}


async def test_a_session_is_stored_by_its_token_digest(
    webchat: WebchatUseCases, sessions: Any, webchat_app: Any
) -> None:
    started = await webchat.start_session(
        "app-1", SessionCreate(**signed("visitor-1234"), name="Ana", language="pt"), address=ADDRESS
    )

    assert started.visitor_id == "visitor-1234"
    [(key, stored)] = sessions.stored.items()
    assert key == digest(started.session_token) != started.session_token
    assert (stored.app_id, stored.workspace_id, stored.visitor_id) == ("app-1", "ws-1", "visitor-1234")
    assert (stored.name, stored.language) == ("Ana", "pt")
    assert stored.expires_at - stored.created_at == timedelta(hours=1)
    assert started.expires_at == stored.expires_at


async def test_a_visitor_id_is_made_when_none_is_given(webchat: WebchatUseCases, webchat_app: Any) -> None:
    first = await webchat.start_session("app-1", SessionCreate(), address=ADDRESS)
    second = await webchat.start_session("app-1", SessionCreate(), address=ADDRESS)
    assert first.visitor_id != second.visitor_id
    assert first.session_token != second.session_token


# --- proving a visitor ------------------------------------------------------------------------


async def test_a_live_session_token_of_the_visitor_proves_them(
    webchat: WebchatUseCases, sessions: Any, webchat_app: Any
) -> None:
    token, visitor = await start(webchat, name="Ana", language="pt")

    again, renewed = await start(webchat, proof=token, visitor_id=visitor.visitor_id)

    assert renewed.visitor_id == visitor.visitor_id and again != token
    assert (renewed.session.name, renewed.session.language) == ("Ana", "pt")  # what they told stays
    assert len(sessions.stored) == 2
    _, renamed = await start(webchat, proof=again, visitor_id=visitor.visitor_id, name="Ana Maria")
    assert (renamed.session.name, renamed.session.language) == ("Ana Maria", "pt")


async def test_the_identity_verification_hash_proves_a_sites_own_user_id(
    webchat: WebchatUseCases, webchat_app: Any
) -> None:
    _, visitor = await start(webchat, **signed("site-user-42"))
    assert visitor.visitor_id == "site-user-42"

    upper = signed("site-user-42")["visitor_hash"].upper()
    _, again = await start(webchat, visitor_id="site-user-42", visitor_hash=upper)
    assert again.visitor_id == "site-user-42"


async def test_a_visitor_id_without_proof_is_refused_and_nothing_stored(
    webchat: WebchatUseCases,
    apps: Any,
    sessions: Any,
    webchat_app: Any,
    make_app: Callable[..., Any],
) -> None:
    victim, victim_visitor = await start(webchat)
    other, _ = await start(webchat)
    await apps.insert(make_app(id="app-2", identity_secret=None))
    elsewhere, _ = await start(webchat, app_id="app-2")
    expired, expired_visitor = await start(webchat)
    sessions.stored[digest(expired)] = expired_visitor.session.model_copy(
        update={"expires_at": expired_visitor.session.created_at}
    )
    stored = dict(sessions.stored)
    target = victim_visitor.visitor_id

    attempts: list[tuple[str, str | None, dict[str, Any]]] = [
        ("app-1", None, {"visitor_id": target}),  # nothing at all
        ("app-1", "forged-token", {"visitor_id": target}),
        ("app-1", other, {"visitor_id": target}),  # another visitor's live token
        ("app-1", elsewhere, {"visitor_id": target}),  # a token of another app
        ("app-1", expired, {"visitor_id": expired_visitor.visitor_id}),  # its own, but expired
        ("app-1", None, signed(target, secret="not-the-apps-secret")),
        ("app-1", None, {"visitor_id": target, "visitor_hash": "0" * 64}),
        ("app-1", None, {"visitor_id": "visitor-9999", "visitor_hash": signed(target)["visitor_hash"]}),
        ("app-2", None, signed(target)),  # an app without an identity secret verifies no hash
    ]
    for app_id, proof, fields in attempts:
        with pytest.raises(VisitorUnverified) as info:
            await webchat.start_session(app_id, SessionCreate(**fields), address=ADDRESS, proof_token=proof)
        assert info.value.code == "visitor_unverified", (app_id, proof, fields)
    assert sessions.stored == stored
    assert (await webchat.visitor("app-1", victim)).visitor_id == target  # still theirs alone


async def test_a_token_without_a_visitor_id_starts_a_new_visitor(
    webchat: WebchatUseCases, webchat_app: Any
) -> None:
    token, visitor = await start(webchat)
    _, fresh = await start(webchat, proof=token)
    assert fresh.visitor_id != visitor.visitor_id


# --- limits -----------------------------------------------------------------------------------


async def test_session_starts_are_limited_per_address_then_per_app(
    webchat: WebchatUseCases, sessions: Any, webchat_app: Any
) -> None:
    webchat = limited(webchat, sessions_per_address=2, sessions_per_app=3)
    for _ in range(2):
        await webchat.start_session("app-1", SessionCreate(), address="198.51.100.1")
    with pytest.raises(RateLimited) as info:
        await webchat.start_session("app-1", SessionCreate(), address="198.51.100.1")
    assert (info.value.code, info.value.retry_after) == ("rate_limited", 42)
    assert info.value.message == "too many webchat sessions from this address; retry later"

    await webchat.start_session("app-1", SessionCreate(), address="198.51.100.2")
    with pytest.raises(RateLimited) as info:
        await webchat.start_session("app-1", SessionCreate(), address="198.51.100.3")
    assert info.value.message == "too many webchat sessions on this app; retry later"
    assert len(sessions.stored) == 3


async def test_messages_are_limited_per_visitor_over_http_and_socket_together(
    webchat: WebchatUseCases, publisher: Any, webchat_app: Any
) -> None:
    webchat = limited(webchat, messages_per_visitor=3)
    token, visitor = await start(webchat)
    await webchat.send("app-1", token, hello("h-1"), None)
    await webchat.send("app-1", token, hello("h-2"), None)
    ack = await webchat.receive_frame(
        visitor, '{"type": "message", "text": "hi", "client_message_id": "s-1"}'
    )
    assert isinstance(ack, AckFrame)

    with pytest.raises(RateLimited) as info:
        await webchat.send("app-1", token, hello("h-3"), None)
    assert info.value.message == "too many messages from this visitor; retry later"
    refused = await webchat.receive_frame(
        visitor, '{"type": "message", "text": "x", "client_message_id": "s-2"}'
    )
    assert refused.model_dump(mode="json") == {
        "type": "error",
        "client_message_id": "s-2",
        "error": {
            "code": "rate_limited",
            "message": "too many messages from this visitor; retry later",
            "retry_after": 42,
        },
    }
    assert len(publisher.of(MessageReceivedV1)) == 3  # nothing past the limit was published

    other_token, _ = await start(webchat)  # another visitor has their own budget
    assert await webchat.send("app-1", other_token, hello("o-1"), None) == "accepted"


async def test_messages_are_limited_per_app(webchat: WebchatUseCases, webchat_app: Any) -> None:
    webchat = limited(webchat, messages_per_app=2)
    tokens = [(await start(webchat))[0] for _ in range(3)]
    await webchat.send("app-1", tokens[0], hello(), None)
    await webchat.send("app-1", tokens[1], hello(), None)
    with pytest.raises(RateLimited) as info:
        await webchat.send("app-1", tokens[2], hello(), None)
    assert info.value.message == "too many messages on this app; retry later"


async def test_socket_connections_are_limited_per_address(webchat: WebchatUseCases, webchat_app: Any) -> None:
    webchat = limited(webchat, sockets_per_address=2)
    token, _ = await start(webchat)
    for _ in range(2):
        await webchat.open_socket("app-1", token, None, address="198.51.100.1")
    with pytest.raises(RateLimited) as info:
        await webchat.open_socket("app-1", token, None, address="198.51.100.1")
    assert info.value.message == "too many webchat connections from this address; retry later"
    visitor, cursor = await webchat.open_socket("app-1", token, "7", address="198.51.100.2")
    assert (visitor.app.id, cursor) == ("app-1", 7)


@pytest.mark.parametrize("after", ["-1", "99999999999999999999", str(2**53), "1.5", "abc", ""])
async def test_a_socket_with_a_bad_cursor_is_refused(
    webchat: WebchatUseCases, webchat_app: Any, after: str
) -> None:
    token, _ = await start(webchat)
    with pytest.raises(InvalidCursor) as info:
        await webchat.open_socket("app-1", token, after, address=ADDRESS)
    assert info.value.code == "invalid_after"


async def test_a_socket_stays_open_for_what_is_left_of_its_session(
    webchat: WebchatUseCases, sessions: Any, webchat_app: Any
) -> None:
    _, visitor = await start(webchat)
    assert 3500 < webchat.seconds_left(visitor) <= 3600
    ended = Visitor(
        visitor.app, visitor.session.model_copy(update={"expires_at": visitor.session.created_at})
    )
    assert webchat.seconds_left(ended) == 0


async def test_only_a_live_session_of_the_app_opens_it(
    webchat: WebchatUseCases, apps: Any, sessions: Any, webchat_app: Any, make_app: Callable[..., Any]
) -> None:
    await apps.insert(make_app(id="app-2"))
    token, visitor = await start(webchat)
    assert visitor.app == webchat_app

    for app_id, bad in [("app-1", None), ("app-1", ""), ("app-1", "forged-token"), ("app-2", token)]:
        with pytest.raises(InvalidSession):
            await webchat.visitor(app_id, bad)
    with pytest.raises(WebchatAppNotFound):
        await webchat.visitor("NO-SUCH-APP", token)

    stored = sessions.stored[digest(token)]
    sessions.stored[digest(token)] = stored.model_copy(update={"expires_at": stored.created_at})
    with pytest.raises(InvalidSession):
        await webchat.visitor("app-1", token)


# --- the person's messages --------------------------------------------------------------------


async def test_a_message_is_accepted_once_the_broker_confirmed_it(
    webchat: WebchatUseCases, publisher: Any, inbound_keys: Any, webchat_app: Any
) -> None:
    token, _ = await start(webchat, **signed("visitor-1234"))

    assert await webchat.send("app-1", token, hello(), "corr-1") == "accepted"

    [envelope] = publisher.published
    assert (envelope.workspace_id, envelope.correlation_id) == ("ws-1", "corr-1")
    event = envelope.open(MessageReceivedV1)
    assert (event.app_id, event.external_message_id, event.text) == ("app-1", "visitor-1234:c-1", "hello")
    assert list(inbound_keys.stored) == ["app-1:visitor-1234:c-1"]


async def test_a_resent_message_is_a_duplicate(
    webchat: WebchatUseCases, publisher: Any, inbound_keys: Any, webchat_app: Any
) -> None:
    token, _ = await start(webchat, **signed("visitor-1234"))
    await webchat.send("app-1", token, hello(), None)

    assert await webchat.send("app-1", token, hello(), None) == "duplicate"
    # published again by design: the inbox stores each channel message once
    assert [e.open(MessageReceivedV1).external_message_id for e in publisher.published] == [
        "visitor-1234:c-1",
        "visitor-1234:c-1",
    ]
    assert len(inbound_keys.stored) == 1


async def test_a_message_the_broker_did_not_confirm_is_refused_and_not_remembered(
    webchat: WebchatUseCases, publisher: Any, inbound_keys: Any, webchat_app: Any
) -> None:
    token, _ = await start(webchat)
    publisher.down = True

    with pytest.raises(BrokerUnavailable):
        await webchat.send("app-1", token, hello(), None)
    assert inbound_keys.stored == {}

    publisher.down = False  # the person's client retries the same message
    assert await webchat.send("app-1", token, hello(), None) == "accepted"


async def test_sending_needs_a_session_of_a_webchat_app(
    webchat: WebchatUseCases, publisher: Any, webchat_app: Any
) -> None:
    token, _ = await start(webchat)
    with pytest.raises(InvalidSession):
        await webchat.send("app-1", "forged-token", hello(), None)
    with pytest.raises(WebchatAppNotFound):
        await webchat.send("NO-SUCH-APP", token, hello(), None)
    assert publisher.published == []


# --- the person's socket ----------------------------------------------------------------------


async def test_socket_frames_are_acked_or_refused(
    webchat: WebchatUseCases, publisher: Any, webchat_app: Any
) -> None:
    _, visitor = await start(webchat)
    frame = '{"type": "message", "text": "hi", "client_message_id": "s-1"}'

    assert await webchat.receive_frame(visitor, frame) == AckFrame(client_message_id="s-1", status="accepted")
    assert await webchat.receive_frame(visitor, frame) == AckFrame(
        client_message_id="s-1", status="duplicate"
    )
    refused = await webchat.receive_frame(visitor, '{"type": "typing"}')
    assert isinstance(refused, ErrorFrame) and refused.error.code == "unknown_frame"
    binary = await webchat.receive_frame(visitor, None)
    assert isinstance(binary, ErrorFrame) and binary.error.code == "binary_not_supported"
    deep = await webchat.receive_frame(visitor, "[" * 20_000)
    assert isinstance(deep, ErrorFrame) and deep.error.code == "invalid_json"
    assert len(publisher.published) == 2

    publisher.down = True
    down = await webchat.receive_frame(visitor, frame.replace("s-1", "s-2"))
    assert down.model_dump(mode="json") == {
        "type": "error",
        "client_message_id": "s-2",
        "error": {"code": "broker_unavailable", "message": "retry later"},
    }


async def test_connecting_sends_what_came_after_the_cursor_and_reports_it_delivered(
    webchat: WebchatUseCases,
    mailbox: Any,
    hub: Any,
    publisher: Any,
    webchat_app: Any,
    new_socket: Callable[[], Any],
    make_reply: Callable[..., Any],
) -> None:
    _, visitor = await start(webchat, **signed("visitor-1234"))
    replies = [make_reply(f"msg-{n}", f"reply {n}") for n in (1, 2, 3)]
    for reply in replies:
        await mailbox.store("app-1", "visitor-1234", reply)
    socket = new_socket()

    await webchat.connect(visitor, socket, after=1)

    assert socket.sent == [
        {"type": "message", "cursor": n, "message": replies[n - 1].model_dump(mode="json")} for n in (2, 3)
    ]
    delivered = publisher.of(DeliveryUpdatedV1)
    assert [(d.message_id, d.state) for d in delivered] == [("msg-2", "delivered"), ("msg-3", "delivered")]
    assert hub.sockets[("app-1", "visitor-1234")] == [socket]

    webchat.disconnect(visitor, socket)
    assert hub.sockets[("app-1", "visitor-1234")] == []


async def test_a_replay_while_the_broker_is_down_still_sends(
    webchat: WebchatUseCases,
    mailbox: Any,
    publisher: Any,
    webchat_app: Any,
    new_socket: Callable[[], Any],
    make_reply: Callable[..., Any],
) -> None:
    _, visitor = await start(webchat, **signed("visitor-1234"))
    await mailbox.store("app-1", "visitor-1234", make_reply())
    publisher.down = True  # the delivery report is best effort: the message did arrive
    socket = new_socket()

    await webchat.connect(visitor, socket, after=0)

    assert [f["message"]["id"] for f in socket.sent] == ["msg-1"]


# --- replies to visitors ----------------------------------------------------------------------


def outbound(reply: Any, channel: str = "webchat") -> Envelope:
    event = OutboundRequestedV1.model_validate(
        {
            "chat_id": reply.chat_id,
            "app_id": "app-1",
            "channel": channel,
            "person_external_id": "visitor-1234",
            "message": reply.model_dump(mode="json"),
        }
    )
    return Envelope.wrap(event, workspace_id="ws-1", chat_id=reply.chat_id, correlation_id="corr-9")


async def test_a_reply_to_a_webchat_visitor_is_stored_once_and_its_cursor_reused_on_redelivery(
    replies: ReplyUseCases, mailbox: Any, publisher: Any, make_reply: Callable[..., Any]
) -> None:
    first, second = make_reply("msg-1"), make_reply("msg-2")
    cause = outbound(first)

    await replies.deliver(cause.open(OutboundRequestedV1), cause)
    await replies.deliver(cause.open(OutboundRequestedV1), cause)  # redelivered by the broker
    later = outbound(second)
    await replies.deliver(later.open(OutboundRequestedV1), later)

    assert sorted((e.id, e.cursor) for e in mailbox.entries.values()) == [("msg-1", 1), ("msg-2", 2)]
    assert mailbox.entries["msg-1"].message == first
    stored = publisher.of(WebchatMessageStoredV1)
    assert [(s.message.id, s.cursor, s.visitor_id) for s in stored] == [
        ("msg-1", 1, "visitor-1234"),
        ("msg-1", 1, "visitor-1234"),
        ("msg-2", 2, "visitor-1234"),
    ]
    assert [(d.message_id, d.state) for d in publisher.of(DeliveryUpdatedV1)] == [
        ("msg-1", "sent"),
        ("msg-1", "sent"),
        ("msg-2", "sent"),
    ]
    for envelope in publisher.published[:2]:
        assert (envelope.workspace_id, envelope.chat_id) == ("ws-1", "chat-1")
        assert (envelope.causation_id, envelope.correlation_id) == (cause.event_id, "corr-9")


async def test_a_reply_on_the_api_channel_is_kept_but_not_reported_sent(
    replies: ReplyUseCases, mailbox: Any, publisher: Any, providers: Any, make_reply: Callable[..., Any]
) -> None:
    cause = outbound(make_reply(), channel="api")

    await replies.deliver(cause.open(OutboundRequestedV1), cause)

    assert list(mailbox.entries) == ["msg-1"]
    assert len(publisher.of(WebchatMessageStoredV1)) == 1
    assert publisher.of(DeliveryUpdatedV1) == []
    assert providers.delivered == []


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "telegram"])
async def test_a_reply_on_a_provider_channel_goes_to_its_provider_not_to_the_mailbox(
    replies: ReplyUseCases,
    mailbox: Any,
    publisher: Any,
    providers: Any,
    make_reply: Callable[..., Any],
    channel: str,
) -> None:
    cause = outbound(make_reply(), channel=channel)

    await replies.deliver(cause.open(OutboundRequestedV1), cause)

    assert providers.delivered == [(cause.open(OutboundRequestedV1), cause)]
    assert (mailbox.entries, publisher.published) == ({}, [])


async def test_a_reply_the_broker_cannot_take_is_retried_with_the_same_cursor(
    replies: ReplyUseCases, mailbox: Any, publisher: Any, make_reply: Callable[..., Any]
) -> None:
    cause = outbound(make_reply())
    publisher.down = True
    with pytest.raises(BrokerUnavailable) as info:
        await replies.deliver(cause.open(OutboundRequestedV1), cause)
    assert info.value.on_bus == "retry"

    publisher.down = False
    await replies.deliver(cause.open(OutboundRequestedV1), cause)
    assert [s.cursor for s in publisher.of(WebchatMessageStoredV1)] == [1]
    assert mailbox.counters == {("app-1", "visitor-1234"): 1}


async def test_a_stored_reply_is_pushed_to_the_sockets_held_here_and_reported_delivered(
    replies: ReplyUseCases,
    hub: Any,
    publisher: Any,
    new_socket: Callable[[], Any],
    make_reply: Callable[..., Any],
) -> None:
    reply = make_reply()
    event = WebchatMessageStoredV1(app_id="app-1", visitor_id="visitor-1234", cursor=4, message=reply)
    cause = Envelope.wrap(event, workspace_id="ws-1", chat_id="chat-1")

    await replies.push(event, cause)  # nobody connected to this replica
    assert publisher.published == []

    sockets = [new_socket(), new_socket()]
    for socket in sockets:
        hub.add("app-1", "visitor-1234", socket)
    await replies.push(event, cause)

    frame = {"type": "message", "cursor": 4, "message": reply.model_dump(mode="json")}
    assert [s.sent for s in sockets] == [[frame], [frame]]
    [update] = publisher.of(DeliveryUpdatedV1)
    assert (update.app_id, update.chat_id, update.message_id, update.state) == (
        "app-1",
        "chat-1",
        "msg-1",
        "delivered",
    )
    assert publisher.published[0].causation_id == cause.event_id
