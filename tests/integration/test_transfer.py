"""Transferring a chat over HTTP (real broker and database): to an agent, to a team, the system line
in the history, the event assignment needs, who may do it, and the stream: the agents who lose the
chat get ``chat.removed`` and nothing of it afterwards."""

from __future__ import annotations

import aio_pika
import httpx
import pytest
import websockets
from livechat_dev.testing import StreamFrames, eventually
from livechat_shared.contracts import ChatTransferredV1, Envelope
from livechat_shared.ids import new_id

from .conftest import WS, LiveInbox

pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:remove second argument of ws_handler:DeprecationWarning"),
]


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def transfer(inbox: LiveInbox, user: str, body: dict) -> httpx.Response:
    return await inbox.client.post(f"/v1/chats/{inbox.chat_id}/transfer", headers=inbox.auth(user), json=body)


async def test_to_an_agent_then_to_a_team_with_the_history_and_the_events(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    connection = await aio_pika.connect(inbox.settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(inbox.settings.exchange)
        probe = await channel.declare_queue(f"{inbox.settings.queue_prefix}probe-{new_id()}", exclusive=True)
        await probe.bind(exchange, routing_key=ChatTransferredV1.routing_key())

        to_ben = await transfer(inbox, "u-admin", {"agent_id": "u-agent2"})
        assert to_ben.status_code == 200, to_ben.text
        assert (to_ben.json()["assignee_id"], to_ben.json()["mode"], to_ben.json()["status"]) == (
            "u-agent2",
            "live",
            "open",
        )
        # Ben holds it now: he hands it to the team (the assignee needs no transfer permission)
        to_team = await transfer(inbox, "u-agent2", {"team_id": "team-1"})
        assert to_team.status_code == 200, to_team.text
        chat = to_team.json()
        assert (chat["assignee_id"], chat["team_ids"], chat["status"]) == (None, ["team-1"], "pending")

        events = [await eventually(lambda: probe.get(no_ack=True, fail=False)) for _ in range(2)]
    moves = [Envelope.model_validate_json(m.body).open(ChatTransferredV1) for m in events]
    assert [(m.from_assignee_id, m.to_agent_id, m.to_team_id, m.by) for m in moves] == [
        (None, "u-agent2", None, "u-admin"),
        ("u-agent2", None, "team-1", "u-agent2"),
    ]
    assert moves[1].chat_version == chat["version"]
    lines = [(m["author"]["type"], m["text"], m["delivery"]) for m in await inbox.history()][-2:]
    assert lines == [
        ("system", "Ada transferred the chat to Ben", None),
        ("system", "Ben transferred the chat to team team-1", None),
    ]


@pytest.mark.parametrize(
    ("user", "body", "expected"),
    [
        ("u-agent", {"agent_id": "u-agent2"}, (403, "forbidden")),  # not the assignee, no transfer grant
        ("u-outsider", {"agent_id": "u-agent"}, (404, "not_found")),
        ("u-other", {"agent_id": "u-agent"}, (404, "not_found")),  # another workspace's admin
        ("u-admin", {"agent_id": "u-other"}, (422, "unknown_agent")),  # another workspace's user
        ("u-admin", {"agent_id": "nobody"}, (422, "unknown_agent")),
        ("u-admin", {"team_id": "team-404"}, (422, "unknown_team")),
        ("u-admin", {"agent_id": "u-agent", "team_id": "team-1"}, (422, "validation_failed")),
        ("u-admin", {}, (422, "validation_failed")),
    ],
)
async def test_refusals_change_nothing(
    live_inbox: LiveInbox, user: str, body: dict, expected: tuple[int, str]
) -> None:
    before, history = await live_inbox.chat(), await live_inbox.history()
    workspace = "ws-other" if user == "u-other" else WS
    answer = await live_inbox.client.post(
        f"/v1/chats/{live_inbox.chat_id}/transfer", headers=live_inbox.auth(user, workspace), json=body
    )
    assert error(answer) == expected
    assert (await live_inbox.chat(), await live_inbox.history()) == (before, history)


async def test_the_agent_who_loses_the_chat_is_told_and_hears_no_more_of_it(served_inbox: LiveInbox) -> None:
    inbox = served_inbox
    taken = await inbox.client.post(
        f"/v1/chats/{inbox.chat_id}/messages",
        headers=inbox.auth("u-agent"),
        json={"text": "Hi, I am Ana", "client_message_id": "c-1"},
    )
    assert taken.status_code == 201  # Ana took the AI chat by replying
    async with (
        websockets.connect(inbox.stream_url("u-agent"), open_timeout=10) as ana_ws,
        websockets.connect(inbox.stream_url("u-outsider"), open_timeout=10) as olga_ws,
    ):
        ana, olga = StreamFrames(ana_ws), StreamFrames(olga_ws)
        moved = await transfer(inbox, "u-admin", {"agent_id": "u-outsider"})
        assert moved.status_code == 200
        removed = await ana.expect("chat.removed")
        assert removed == {
            "type": "chat.removed",
            "chat_id": inbox.chat_id,
            "version": moved.json()["version"],
            "data": None,
        }
        gained = await olga.expect("chat.changed")
        assert gained["data"]["assignee_id"] == "u-outsider"

        await inbox.person_writes("are you there?")
        await olga.expect("message.created", where=lambda f: f["data"]["text"] == "are you there?")
        await inbox.person_writes("hello from someone else", visitor="visitor-0002")  # a team chat Ana sees
        await ana.expect("message.created", where=lambda f: f["data"]["text"] == "hello from someone else")
        assert not [f for f in ana.unclaimed if f["chat_id"] == inbox.chat_id]  # nothing of the moved chat
