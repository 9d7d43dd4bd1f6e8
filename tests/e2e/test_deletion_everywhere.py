"""Deleting a chat end to end, every service a process on the real broker and database: after a
bulk delete in the inbox, the chat is gone from the list and from search, from the export service's
transcripts and exports, and from the assignment service's records (its decision log)."""

from __future__ import annotations

import httpx
from livechat_dev.testing import eventually

from .conftest import auth


async def test_a_deleted_chat_is_gone_from_every_service(stack, workspace, http: httpx.AsyncClient) -> None:
    app_id, token = workspace["app_id"], workspace["token"]
    admin = auth(token)
    inbox, ingest, export, assignment = (stack.url(s) for s in ("inbox", "ingest", "export", "assignment"))
    session = (await http.post(f"{ingest}/v1/webchat/{app_id}/sessions", json={"name": "Zed"})).json()
    sent = await http.post(
        f"{ingest}/v1/webchat/{app_id}/messages",
        headers=auth(session["session_token"]),
        json={"text": "please forget zanzibar", "client_message_id": "z-1"},
    )
    assert sent.status_code == 202, sent.text

    async def found() -> str | None:
        items = (await http.get(f"{inbox}/v1/chats", params={"q": "zanzi"}, headers=admin)).json()["items"]
        return items[0]["id"] if items else None

    chat_id = await eventually(found)
    taken = await http.post(  # an agent holds it: the assignment service has its record
        f"{inbox}/v1/chats/{chat_id}/messages?takeover=true",
        headers=admin,
        json={"text": "Sure.", "client_message_id": "z-r"},
    )
    assert taken.status_code == 201, taken.text

    async def copied() -> bool:
        transcript = await http.get(
            f"{export}/v1/chats/{chat_id}/transcript", params={"format": "json"}, headers=admin
        )
        log = await http.get(f"{assignment}/v1/chats/{chat_id}/assignment-log", headers=admin)
        return (
            transcript.status_code == 200
            and len(transcript.json()["messages"]) == 2
            and log.status_code == 200
        )

    assert await eventually(copied)

    deleted = await http.post(f"{inbox}/v1/chats/bulk-delete", headers=admin, json={"chat_ids": [chat_id]})
    assert deleted.json() == {"deleted": 1, "not_found": []}

    async def gone_everywhere() -> bool:
        transcript = await http.get(f"{export}/v1/chats/{chat_id}/transcript", headers=admin)
        log = await http.get(f"{assignment}/v1/chats/{chat_id}/assignment-log", headers=admin)
        return transcript.status_code == 404 and log.status_code == 404

    assert await eventually(gone_everywhere)
    assert await found() is None
    assert (await http.get(f"{inbox}/v1/chats/{chat_id}", headers=admin)).status_code == 404
    made = await http.post(
        f"{export}/v1/exports", headers=admin, json={"format": "jsonl", "filters": {"q": "zanzi"}}
    )
    assert made.status_code == 202, made.text

    async def done() -> dict | None:
        job = (await http.get(f"{export}/v1/exports/{made.json()['id']}", headers=admin)).json()
        return job if job["status"] == "done" else None

    assert (await eventually(done))["rows"] == 0
