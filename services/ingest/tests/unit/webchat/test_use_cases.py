"""Use cases of webchat against in-memory repositories, publisher and socket hub."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from ingest.core.tokens import digest
from ingest.errors import BrokerUnavailable, InvalidSession, WebchatAppNotFound
from ingest.webchat.schemas import AckFrame, ErrorFrame, SessionCreate, WebchatMessage
from ingest.webchat.use_cases import ReplyUseCases, Visitor, WebchatUseCases
from livechat_shared.contracts import (
    DeliveryUpdatedV1,
    Envelope,
    MessageReceivedV1,
    OutboundRequestedV1,
    WebchatMessageStoredV1,
)


async def start(webchat: WebchatUseCases, app_id: str = "app-1", **fields: Any) -> tuple[str, Visitor]:
    """A session on the app: its token and the visitor it opens."""
    started = await webchat.start_session(app_id, SessionCreate(**fields))
    return started.session_token, await webchat.visitor(app_id, started.session_token)


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
            await webchat.start_session(app_id, SessionCreate())
        assert (info.value.code, info.value.message) == ("not_found", "webchat app not found")
    assert sessions.stored == {}


async def test_a_session_is_stored_by_its_token_digest(
    webchat: WebchatUseCases, sessions: Any, webchat_app: Any
) -> None:
    started = await webchat.start_session(
        "app-1", SessionCreate(visitor_id="visitor-1234", name="Ana", language="pt")
    )

    assert started.visitor_id == "visitor-1234"
    [(key, stored)] = sessions.stored.items()
    assert key == digest(started.session_token) != started.session_token
    assert (stored.app_id, stored.workspace_id, stored.visitor_id) == ("app-1", "ws-1", "visitor-1234")
    assert (stored.name, stored.language) == ("Ana", "pt")
    assert stored.expires_at - stored.created_at == timedelta(hours=1)


async def test_a_visitor_id_is_made_when_none_is_given(webchat: WebchatUseCases, webchat_app: Any) -> None:
    first = await webchat.start_session("app-1", SessionCreate())
    second = await webchat.start_session("app-1", SessionCreate())
    assert first.visitor_id != second.visitor_id
    assert first.session_token != second.session_token


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
    token, _ = await start(webchat, visitor_id="visitor-1234")

    assert await webchat.send("app-1", token, hello(), "corr-1") == "accepted"

    [envelope] = publisher.published
    assert (envelope.workspace_id, envelope.correlation_id) == ("ws-1", "corr-1")
    event = envelope.open(MessageReceivedV1)
    assert (event.app_id, event.external_message_id, event.text) == ("app-1", "visitor-1234:c-1", "hello")
    assert list(inbound_keys.stored) == ["app-1:visitor-1234:c-1"]


async def test_a_resent_message_is_a_duplicate(
    webchat: WebchatUseCases, publisher: Any, inbound_keys: Any, webchat_app: Any
) -> None:
    token, _ = await start(webchat, visitor_id="visitor-1234")
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
    _, visitor = await start(webchat, visitor_id="visitor-1234")
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
    _, visitor = await start(webchat, visitor_id="visitor-1234")
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


async def test_a_reply_on_a_channel_without_an_adapter_is_kept_but_not_reported_sent(
    replies: ReplyUseCases, mailbox: Any, publisher: Any, make_reply: Callable[..., Any]
) -> None:
    cause = outbound(make_reply(), channel="telegram")

    await replies.deliver(cause.open(OutboundRequestedV1), cause)

    assert list(mailbox.entries) == ["msg-1"]
    assert len(publisher.of(WebchatMessageStoredV1)) == 1
    assert publisher.of(DeliveryUpdatedV1) == []


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
