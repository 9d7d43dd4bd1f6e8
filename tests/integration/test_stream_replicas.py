"""Realtime with two inbox replicas (real broker and database): an agent connected to one replica
gets every event of their chats changed through the other, exactly once and in version order; after
a disconnect, ``GET /v1/sync`` fills the gap."""

from __future__ import annotations

import contextlib

import httpx
import pytest
import websockets
from inbox.app import create_app
from inbox.settings import Settings
from livechat_dev.testing import StreamFrames, serving, settings_from

from .conftest import LiveInbox, _seed, _with_chat

pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:remove second argument of ws_handler:DeprecationWarning"),
]


async def test_an_agent_on_either_replica_sees_every_change_once_in_order(env: dict[str, str]) -> None:
    settings = settings_from(Settings, env)
    await _seed(settings)
    first, second = create_app(settings), create_app(settings)
    async with contextlib.AsyncExitStack() as stack:
        a = await stack.enter_async_context(serving(first))
        b = await stack.enter_async_context(serving(second))
        via_a = LiveInbox(
            first,
            await stack.enter_async_context(httpx.AsyncClient(base_url=f"http://{a}", timeout=20)),
            settings,
            "",
        )
        via_b = LiveInbox(
            second,
            await stack.enter_async_context(httpx.AsyncClient(base_url=f"http://{b}", timeout=20)),
            settings,
            "",
            address=b,
        )
        await _with_chat(via_a)
        via_b.chat_id = via_a.chat_id
        taken = await via_a.client.post(
            f"/v1/chats/{via_a.chat_id}/messages",
            headers=via_a.auth("u-agent"),
            json={"text": "Ana here", "client_message_id": "take"},
        )
        assert taken.status_code == 201
        start = (await via_a.chat())["version"]

        async with websockets.connect(via_b.stream_url("u-agent"), open_timeout=10) as ws:
            frames = StreamFrames(ws)
            for n in range(3):
                assert (await via_a.patch("u-agent", {"description": f"take {n}"})).status_code == 200
                await via_a.person_writes(f"message {n}")
                note = await via_a.client.post(
                    f"/v1/chats/{via_a.chat_id}/notes",
                    headers=via_a.auth("u-agent"),
                    json={"body": f"note {n}"},
                )
                assert note.status_code == 201
            end = (await via_a.chat())["version"]
            for kind in ("chat.changed", "note.changed"):  # the last change: a note
                await frames.expect(kind, where=lambda f: f["version"] == end)
            seen = frames.received  # in the order they arrived
        changed = [f["version"] for f in seen if f["type"] == "chat.changed"]
        assert changed == list(range(start + 1, end + 1))  # every version once, in order
        assert [f["data"]["text"] for f in seen if f["type"] == "message.created"] == [
            f"message {n}" for n in range(3)
        ]
        assert [f["data"]["note"]["body"] for f in seen if f["type"] == "note.changed"] == [
            f"note {n}" for n in range(3)
        ]
        assert all(f["chat_id"] == via_a.chat_id for f in seen)

        # disconnected: two more changes through the first replica; the second replica's sync has them
        cursor = (
            await via_b.client.get(
                "/v1/sync", headers=via_b.auth("u-agent"), params={"since": "2020-01-01T00:00:00Z"}
            )
        ).json()["cursor"]
        await via_a.patch("u-agent", {"description": "while away"})
        await via_a.person_writes("are you there?")
        missed = await via_b.client.get("/v1/sync", headers=via_b.auth("u-agent"), params={"since": cursor})
        assert missed.status_code == 200
        items = missed.json()["items"]
        assert [(c["id"], c["version"], c["description"]) for c in items] == [
            (via_a.chat_id, end + 2, "while away")
        ]
