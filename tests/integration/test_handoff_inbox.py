"""The inbox's part of the handoff flow against the real broker and database: the AI agent's answers
and handoffs, routing's assignments, the person's rating, and the placement events routing needs.
Events go onto the bus as their producers publish them (with the partition header), and the test
watches what the inbox publishes on queues of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest
import websockets
from livechat_dev.testing import StreamFrames, eventually, publish_envelope
from livechat_shared.contracts import (
    AiReplyCreatedV1,
    ChatAssignedV1,
    ChatHandedOffV1,
    ChatPlacementChangedV1,
    ChatUnassignedV1,
    Contract,
    Envelope,
    FeedbackCollectedV1,
    HandoffTarget,
    MessageCreatedV1,
    OutboundRequestedV1,
)
from livechat_shared.ids import new_id, utcnow

from .conftest import WS, LiveInbox

pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:remove second argument of ws_handler:DeprecationWarning"),
]


@dataclass
class Probe:
    """A queue of the test's own bound to some of the inbox's events: waits for the one it expects,
    keeping the others for a later :meth:`expect`."""

    queue: aio_pika.abc.AbstractQueue
    unclaimed: list[Envelope] = field(default_factory=list)

    async def expect(self, test: Callable[[Envelope], bool]) -> Envelope:
        for found in self.unclaimed:
            if test(found):
                self.unclaimed.remove(found)
                return found

        async def arrived() -> Envelope | None:
            message = await self.queue.get(no_ack=True, fail=False)
            if message is None:
                return None
            envelope = Envelope.model_validate_json(message.body)
            if test(envelope):
                return envelope
            self.unclaimed.append(envelope)
            return None

        return await eventually(arrived)

    async def placement(self, chat_id: str, placement: str) -> ChatPlacementChangedV1:
        def test(e: Envelope) -> bool:
            return (
                e.type == ChatPlacementChangedV1.event_type
                and e.chat_id == chat_id
                and e.payload["placement"] == placement
            )

        return (await self.expect(test)).open(ChatPlacementChangedV1)


class Bus:
    """Publishes onto the suite's exchange as a producing service does, and opens probes."""

    def __init__(self, inbox: LiveInbox, channel: aio_pika.abc.AbstractChannel) -> None:
        self.inbox, self.channel = inbox, channel

    async def publish(self, event: Contract | Envelope, chat_id: str | None = None) -> Envelope:
        envelope = (
            event
            if isinstance(event, Envelope)
            else Envelope.wrap(event, workspace_id=WS, chat_id=chat_id or self.inbox.chat_id)
        )
        exchange = await self.channel.get_exchange(self.inbox.settings.exchange)
        await publish_envelope(exchange, envelope, self.inbox.settings)  # with its partition header
        return envelope

    @asynccontextmanager
    async def probe(self, *routing_keys: str) -> AsyncIterator[Probe]:
        exchange = await self.channel.get_exchange(self.inbox.settings.exchange)
        queue = await self.channel.declare_queue(
            f"{self.inbox.settings.queue_prefix}probe-{new_id()}", exclusive=True
        )
        try:
            for key in routing_keys:
                await queue.bind(exchange, routing_key=key)
            yield Probe(queue)
        finally:
            await queue.delete(if_unused=False, if_empty=False)


@asynccontextmanager
async def bus_of(inbox: LiveInbox) -> AsyncIterator[Bus]:
    connection = await aio_pika.connect(inbox.settings.amqp_url)
    async with connection:
        yield Bus(inbox, await connection.channel(publisher_confirms=True))


def lines(history: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(m["author"]["type"], m["text"]) for m in history]


async def test_an_ai_answer_is_stored_once_and_sent_to_the_person(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    keys = (OutboundRequestedV1.routing_key(), MessageCreatedV1.routing_key())
    async with bus_of(inbox) as bus, bus.probe(*keys) as probe:
        answer = Envelope.wrap(
            AiReplyCreatedV1(kind="answer", text="We open at nine.", reply_to=None),
            workspace_id=WS,
            chat_id=inbox.chat_id,
        )
        await bus.publish(answer)
        await bus.publish(answer)  # redelivered: stored once
        await bus.publish(AiReplyCreatedV1(kind="fallback", text="Anything else?"))  # the chat's next event

        async def both_stored() -> list[dict[str, Any]] | None:
            history = await inbox.history()
            return history if any(m["text"] == "Anything else?" for m in history) else None

        history = await eventually(both_stored)
        assert lines(history) == [("person", "hello"), ("ai", "We open at nine."), ("ai", "Anything else?")]
        assert history[1]["delivery"] == "pending"

        def sent(kind: str) -> Callable[[Envelope], bool]:
            return lambda e: e.type == kind and e.payload["message"]["text"] == "We open at nine."

        outbound = await probe.expect(sent(OutboundRequestedV1.event_type))
        assert outbound.open(OutboundRequestedV1).message.id == history[1]["id"]
        assert outbound.causation_id == answer.event_id
        created = (await probe.expect(sent(MessageCreatedV1.event_type))).open(MessageCreatedV1)
        assert (created.app_id, created.status, created.mode, created.language) == (
            "app-1",
            "open",
            "ai",
            "de",
        )
    chat = await inbox.chat()
    assert (chat["mode"], chat["assignee_id"]) == ("ai", None)


async def test_handoff_assignment_and_back_to_the_queue(served_inbox: LiveInbox) -> None:
    inbox = served_inbox
    target = HandoffTarget(team_ids=["team-1"], language="de")
    summary = "Wants a refund for order 1234"
    async with bus_of(inbox) as bus, bus.probe(ChatPlacementChangedV1.routing_key()) as placements:
        # the AI hands the chat off: a livechat waiting for team-1, with the summary for the agent
        handoff = ChatHandedOffV1(
            teamspace_id="ts-1",
            target=target,
            trigger="request",
            summary=summary,
            message="I am getting you a person.",
        )
        await bus.publish(handoff)
        waiting = await placements.placement(inbox.chat_id, "waiting")
        chat = await inbox.chat()
        assert (chat["mode"], chat["status"], chat["assignee_id"], chat["team_ids"]) == (
            "live",
            "pending",
            None,
            ["team-1"],
        )
        assert (waiting.target, waiting.summary, waiting.chat_version) == (target, summary, chat["version"])
        assert lines(await inbox.history())[-2:] == [
            ("ai", "I am getting you a person."),
            ("system", f"Handed off to a person: {summary}"),
        ]
        await bus.publish(handoff)  # a live chat is handed off no more
        await bus.publish(AiReplyCreatedV1(kind="answer", text="too late"))  # nor answered by the AI

        async with websockets.connect(inbox.stream_url("u-agent"), open_timeout=10) as ana_ws:
            ana = StreamFrames(ana_ws)
            reason = "balanced: fewest open chats (0 of 5)"
            await bus.publish(
                ChatAssignedV1(
                    teamspace_id="ts-1",
                    assignee_id="u-agent",
                    method="balanced",
                    reason=reason,
                    chat_version=chat["version"],
                )
            )
            frame = await ana.expect(
                "chat.changed",
                where=lambda f: f["chat_id"] == inbox.chat_id and f["data"]["assignee_id"] == "u-agent",
            )
            assert (frame["data"]["status"], frame["data"]["mode"]) == ("open", "live")
            held = await placements.placement(inbox.chat_id, "held")
            assert (held.assignee_id, held.chat_version) == ("u-agent", frame["data"]["version"])
            assert lines(await inbox.history())[-1] == ("system", f"Assigned to Ana — {reason}")

            # a late assignment of the chat Ana holds changes nothing; the unassignment after it
            # (the same chat's events keep their order) puts the chat back in the queue
            await bus.publish(
                ChatAssignedV1(
                    teamspace_id="ts-1",
                    assignee_id="u-agent2",
                    method="balanced",
                    reason="stale",
                    chat_version=chat["version"],
                )
            )
            await bus.publish(
                ChatUnassignedV1(teamspace_id="ts-1", from_assignee_id="u-agent", reason="away for 300 s")
            )
            back = await placements.placement(inbox.chat_id, "waiting")
            assert (back.target, back.summary) == (target, summary)
            await ana.expect(
                "chat.changed",
                where=lambda f: f["chat_id"] == inbox.chat_id and f["data"]["assignee_id"] is None,
            )
        chat = await inbox.chat()
        assert (chat["status"], chat["assignee_id"], chat["mode"]) == ("pending", None, "live")
        history = lines(await inbox.history())
        assert history[-3:] == [
            ("system", f"Handed off to a person: {summary}"),
            ("system", f"Assigned to Ana — {reason}"),
            ("system", "Ana was away too long: back in the queue"),
        ]
        assert ("ai", "too late") not in history
        assert [text for _, text in history].count(f"Handed off to a person: {summary}") == 1
        assert not [e for e in placements.unclaimed if e.payload.get("assignee_id") == "u-agent2"]


async def test_closing_is_placement_done_and_the_rating_lands_on_the_chat(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    async with bus_of(inbox) as bus, bus.probe(ChatPlacementChangedV1.routing_key()) as placements:
        taken = await inbox.client.post(
            f"/v1/chats/{inbox.chat_id}/messages",
            headers=inbox.auth("u-agent"),
            json={"text": "Hi, Ana here", "client_message_id": "c-1"},
        )
        assert taken.status_code == 201  # replying took the AI chat
        held = await placements.placement(inbox.chat_id, "held")
        assert held.assignee_id == "u-agent"

        closed = await inbox.patch("u-agent", {"status": "closed"})
        assert closed.status_code == 200
        done = await placements.placement(inbox.chat_id, "done")
        assert (done.chat_version, done.assignee_id) == (closed.json()["version"], None)

        await bus.publish(FeedbackCollectedV1(score=4, comment="Quick, thanks", at=utcnow()))

        async def rated() -> dict[str, Any] | None:
            chat = await inbox.chat()
            return chat if chat["rating"] is not None else None

        chat = await eventually(rated)
    assert (chat["rating"]["score"], chat["rating"]["comment"]) == (4, "Quick, thanks")
    assert chat["version"] == closed.json()["version"] + 1
