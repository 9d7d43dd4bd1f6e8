"""Deleting chats in the inbox (real broker and database): only with the delete permission; each chat
the caller may see is erased — the chat, its messages, notes and attachment files — audited and
announced (``inbox.chat.deleted.v1``), and the agents who could see it get ``chat.deleted`` on their
stream; ids that do not exist or are outside the caller's scope come back as not found."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import pytest
import websockets
from livechat_dev.testing import eventually, probe_queue
from livechat_shared.contracts import ChatDeletedV1, Envelope

from .conftest import LiveInbox

pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning"),
]
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 500


async def test_a_deleted_chat_is_erased_audited_announced_and_leaves_the_stream(
    served_inbox: LiveInbox,
) -> None:
    inbox = served_inbox
    chat_id = inbox.chat_id
    note = await inbox.client.post(
        f"/v1/chats/{chat_id}/notes", headers=inbox.auth("u-agent"), json={"body": "VIP"}
    )
    assert note.status_code == 201, note.text
    stored = await inbox.client.post(
        "/v1/attachments",
        params={"chat_id": chat_id, "name": "terms.pdf"},
        headers={**inbox.auth("u-agent"), "Content-Type": "application/pdf"},
        content=PDF,
    )
    link = urlsplit(stored.json()["url"])
    assert (await inbox.client.get(f"{link.path}?{link.query}")).status_code == 200

    # An agent (view, manage, download) may not delete; nothing changes.
    refused = await inbox.client.post(
        "/v1/chats/bulk-delete", headers=inbox.auth("u-agent"), json={"chat_ids": [chat_id]}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert (await inbox.client.get(f"/v1/chats/{chat_id}", headers=inbox.auth("u-admin"))).status_code == 200
    # Another workspace's admin cannot reach it either: not found, not forbidden.
    stranger = await inbox.client.post(
        "/v1/chats/bulk-delete", headers=inbox.auth("u-other", "ws-other"), json={"chat_ids": [chat_id]}
    )
    assert stranger.json() == {"deleted": 0, "not_found": [chat_id]}

    async with (
        probe_queue(inbox.settings, ChatDeletedV1.routing_key()) as announced,
        websockets.connect(inbox.stream_url("u-agent"), open_timeout=10) as agent_stream,
    ):
        deleted = await inbox.client.post(
            "/v1/chats/bulk-delete",
            headers=inbox.auth("u-admin"),
            json={"chat_ids": [chat_id, "no-such-chat", chat_id]},
        )
        assert deleted.status_code == 200, deleted.text
        assert deleted.json() == {"deleted": 1, "not_found": ["no-such-chat"]}

        message = await eventually(lambda: announced.get(no_ack=True, fail=False))
        envelope = Envelope.model_validate_json(message.body)
        event = envelope.open(ChatDeletedV1)
        assert (envelope.chat_id, event.team_ids, event.by) == (chat_id, ["team-1"], "u-admin")

        async def frame() -> dict:
            while True:
                got = json.loads(await agent_stream.recv())
                if got["type"] == "chat.deleted":
                    return got

        gone = await asyncio.wait_for(frame(), timeout=10)
        assert (gone["chat_id"], gone["version"], gone["data"]) == (chat_id, event.chat_version, None)

    admin = inbox.auth("u-admin")
    assert (await inbox.client.get(f"/v1/chats/{chat_id}", headers=admin)).status_code == 404
    assert (await inbox.client.get(f"/v1/chats/{chat_id}/messages", headers=admin)).status_code == 404
    assert chat_id not in [
        c["id"] for c in (await inbox.client.get("/v1/chats", headers=admin)).json()["items"]
    ]
    db = inbox.app.state.runtime.mongo.db
    assert await db["messages"].count_documents({"chat_id": chat_id}) == 0
    assert await db["notes"].count_documents({"chat_id": chat_id}) == 0
    assert await db["attachments.files"].count_documents({"metadata.chat_id": chat_id}) == 0
    assert (await inbox.client.get(f"{link.path}?{link.query}")).status_code == 404

    audit = (await inbox.client.get("/v1/deletions", headers=admin)).json()
    [entry] = audit["items"]
    assert (entry["chat_id"], entry["by"], entry["erased"]["notes"], entry["erased"]["attachments"]) == (
        chat_id,
        "u-admin",
        1,
        1,
    )
    assert entry["erased"]["messages"] >= 1
    assert (await inbox.client.get("/v1/deletions", headers=inbox.auth("u-agent"))).status_code == 403

    # The person writes again: a new chat, nothing of the old one in it.
    await inbox.person_writes("me again")
    chats = (await inbox.client.get("/v1/chats", headers=admin)).json()["items"]
    [fresh] = chats
    assert fresh["id"] != chat_id
    assert [m["text"] for m in await inbox.history(fresh["id"])] == ["me again"]


async def test_a_bulk_delete_is_bounded_and_needs_ids(live_inbox: LiveInbox) -> None:
    admin = live_inbox.auth("u-admin")
    for body in ({"chat_ids": []}, {"chat_ids": ["x"] * 201}, {}, {"chat_ids": ["x"], "extra": 1}):
        answer = await live_inbox.client.post("/v1/chats/bulk-delete", headers=admin, json=body)
        assert answer.status_code in (400, 422), body
    assert (await live_inbox.client.get(f"/v1/chats/{live_inbox.chat_id}", headers=admin)).status_code == 200
