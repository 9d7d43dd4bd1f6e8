"""A teamspace's chat rules end to end: the admin sets them on the assignment service and the inbox
applies them (its copy follows the assignment service's events) — resolving needs the tags, and a
teamspace with a new minimum refuses until the chat has them."""

from __future__ import annotations

from typing import Any

import httpx
from livechat_dev.testing import eventually

from .conftest import auth
from .test_first_path import start_person


async def test_the_tags_to_resolve_set_on_assignment_hold_in_the_inbox(
    stack, workspace, http: httpx.AsyncClient
) -> None:
    token, app_id, teamspace = workspace["token"], workspace["app_id"], workspace["teamspace_id"]
    inbox, assignment = stack.url("inbox"), stack.url("assignment")
    admin = auth(token)
    rules_at = f"{assignment}/v1/teamspaces/{teamspace}/assignment"
    session = await start_person(http, stack, app_id, "Rules")
    sent = await http.post(
        f"{stack.url('ingest')}/v1/webchat/{app_id}/messages",
        headers=auth(session["session_token"]),
        json={"text": "please resolve me", "client_message_id": "rules-1"},
    )
    assert sent.status_code == 202

    async def chat_id() -> str | None:
        chats = (await http.get(f"{inbox}/v1/chats", headers=admin, params={"page_size": 200})).json()
        return next((c["id"] for c in chats["items"] if c["person"]["name"] == "Rules"), None)

    chat = await eventually(chat_id, within=30)

    async def set_status(status: str) -> httpx.Response:
        return await http.patch(f"{inbox}/v1/chats/{chat}", headers=admin, json={"status": status})

    rules = await http.put(rules_at, headers=admin, json={"min_tags_to_resolve": 1})
    assert rules.status_code == 200, rules.text

    async def refused() -> bool:
        answer = await set_status("resolved")
        assert answer.status_code in (200, 422), answer.text
        if answer.status_code == 200:  # the copy had not caught up yet: open it again and retry
            await set_status("open")
            return False
        body: dict[str, Any] = answer.json()
        return bool(body["error"]["code"] == "tags_required")

    await eventually(refused, within=30)
    made = await http.post(
        f"{inbox}/v1/tags", headers=admin, json={"teamspace_id": teamspace, "name": "by-rule"}
    )
    assert made.status_code == 201, made.text
    tagged = await http.post(
        f"{inbox}/v1/chats/{chat}/tags", headers=admin, json={"tag_id": made.json()["id"]}
    )
    assert tagged.status_code == 200, tagged.text
    resolved = await set_status("resolved")
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")
    back = await http.put(rules_at, headers=admin, json={"min_tags_to_resolve": 0})
    assert back.status_code == 200  # the session's other tests keep the default rules
