"""Untrusted input on the new endpoints: a clear machine-readable 4xx, and nothing stored."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import websockets
from livechat_dev.testing import eventually, settings_from
from livechat_shared.auth import Role, issue_token
from livechat_shared.settings import ServiceSettings

from .conftest import auth, known_everywhere


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


JSON = {"content-type": "application/json"}


async def test_webchat_bad_input_is_refused_and_stores_nothing(stack, workspace, http) -> None:
    ingest, inbox, app = stack.url("ingest"), stack.url("inbox"), workspace["app_id"]
    admin = auth(workspace["token"])
    before = (await http.get(f"{inbox}/v1/chats", headers=admin)).json()["total"]
    session = (await http.post(f"{ingest}/v1/webchat/{app}/sessions", json={})).json()
    person = auth(session["session_token"]) | JSON
    messages = f"{ingest}/v1/webchat/{app}/messages"

    cases = [
        (await http.post(messages, headers=person, content=b"{not json"), 400, "invalid_json"),
        (await http.post(messages, headers=person, json={"text": "hi"}), 422, "validation_failed"),
        (
            await http.post(messages, headers=person, json={"text": "  ", "client_message_id": "e"}),
            422,
            "validation_failed",
        ),
        (
            await http.post(messages, headers=person, json={"text": "x" * 5000, "client_message_id": "l"}),
            422,
            "validation_failed",
        ),
        (
            await http.post(
                messages, headers=person, json={"text": "hi", "client_message_id": "z", "admin": True}
            ),
            422,
            "validation_failed",
        ),
        (
            await http.post(messages, headers=person, content=b'{"text": "' + b"x" * 70_000 + b'"}'),
            413,
            "payload_too_large",
        ),
        (
            await http.post(messages, headers=JSON, json={"text": "hi", "client_message_id": "n"}),
            401,
            "invalid_session",
        ),
        (
            await http.post(
                messages, headers=auth("forged-token") | JSON, json={"text": "hi", "client_message_id": "f"}
            ),
            401,
            "invalid_session",
        ),
        (
            await http.post(
                f"{ingest}/v1/webchat/NO-SUCH-APP/messages",
                headers=person,
                json={"text": "hi", "client_message_id": "u"},
            ),
            404,
            "not_found",
        ),
        (await http.post(f"{ingest}/v1/webchat/NO-SUCH-APP/sessions", json={}), 404, "not_found"),
        (
            await http.post(f"{ingest}/v1/webchat/{app}/sessions", json={"visitor_id": "x"}),
            422,
            "validation_failed",
        ),
        (
            await http.post(f"{ingest}/v1/webchat/{app}/sessions", content=b"[", headers=JSON),
            400,
            "invalid_json",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, error_code(response)) == (status, code), response.request.url

    # A good message afterwards is the only thing that reaches the inbox.
    good = await http.post(messages, headers=person, json={"text": "the only one", "client_message_id": "ok"})
    assert good.status_code == 202

    async def total() -> int | None:
        listed = (await http.get(f"{inbox}/v1/chats", headers=admin)).json()
        return listed["total"] if listed["total"] > before else None

    assert await eventually(total) == before + 1
    listed = (await http.get(f"{inbox}/v1/chats", headers=admin, params={"page_size": 200})).json()["items"]
    newest = listed[0]  # newest first
    history = (await http.get(f"{inbox}/v1/chats/{newest['id']}/messages", headers=admin)).json()["items"]
    assert [m["text"] for m in history] == ["the only one"]


async def test_agent_api_refuses_bad_tokens_and_bodies(stack, workspace, http) -> None:
    inbox = stack.url("inbox")
    dev = settings_from(ServiceSettings, stack.env)
    expired = issue_token(
        dev,
        user_id=workspace["user_id"],
        workspace_id=workspace["workspace_id"],
        role=Role.ADMIN,
        ttl=timedelta(seconds=-60),
    )
    foreign = issue_token(
        ServiceSettings(jwt_secret="another-secret-that-is-long-enough-0123456789"),
        user_id=workspace["user_id"],
        workspace_id=workspace["workspace_id"],
        role=Role.ADMIN,
    )
    for headers, code in [
        ({}, "unauthorized"),
        (auth("garbage"), "invalid_token"),
        (auth(expired), "invalid_token"),
        (auth(foreign), "invalid_token"),
        ({"Authorization": "Basic abc"}, "unauthorized"),
    ]:
        response = await http.get(f"{inbox}/v1/chats", headers=headers)
        assert (response.status_code, error_code(response)) == (401, code)

    admin = auth(workspace["token"])
    unknown = await http.get(f"{inbox}/v1/chats/NO-SUCH-CHAT", headers=admin)
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")
    reply = await http.post(
        f"{inbox}/v1/chats/NO-SUCH-CHAT/messages",
        headers=admin,
        json={"text": "hi", "client_message_id": "x"},
    )
    assert (reply.status_code, error_code(reply)) == (404, "not_found")
    bad = await http.post(f"{inbox}/v1/chats/NO-SUCH-CHAT/messages", headers=admin | JSON, content=b"{")
    assert (bad.status_code, error_code(bad)) == (400, "invalid_json")
    big = await http.post(f"{inbox}/v1/chats/x/messages", headers=admin | JSON, content=b" " * 100_000)
    assert (big.status_code, error_code(big)) == (413, "payload_too_large")
    page = await http.get(f"{inbox}/v1/chats", headers=admin, params={"page_size": 1000})
    assert (page.status_code, error_code(page)) == (400, "invalid_page")

    with pytest.raises(websockets.InvalidStatus):  # a bad token never gets a stream
        async with websockets.connect(
            stack.ws_url("inbox", "/v1/stream?token=garbage"), open_timeout=10
        ) as ws:
            await ws.recv()


async def test_app_admin_bad_input_stores_nothing(stack, workspace, http) -> None:
    ingest, assignment = stack.url("ingest"), stack.url("assignment")
    admin = auth(workspace["token"])
    before = (await http.get(f"{ingest}/v1/apps", headers=admin)).json()["total"]
    made = await http.post(
        f"{assignment}/v1/users",
        headers=admin,
        json={"name": "Agent", "email": "agent.bad-input@example.com", "team_ids": [workspace["team_id"]]},
    )
    agent = stack.cli("token", "--workspace", workspace["workspace_id"], "--user", made.json()["id"])["token"]
    await known_everywhere(http, stack, agent)
    base = {"teamspace_id": workspace["teamspace_id"], "name": "WA"}
    cases = [
        (
            await http.post(f"{ingest}/v1/apps", headers=auth(agent), json={**base, "channel": "webchat"}),
            403,
            "forbidden",
        ),
        (
            await http.post(
                f"{ingest}/v1/apps",
                headers=admin,
                json={**base, "channel": "whatsapp", "credentials": {"app_secret": "s"}},
            ),
            422,
            "validation_failed",
        ),
        (
            await http.post(f"{ingest}/v1/apps", headers=admin, json={**base, "channel": "fax"}),
            422,
            "validation_failed",
        ),
        (await http.post(f"{ingest}/v1/apps", json={**base, "channel": "webchat"}), 401, "unauthorized"),
        (
            await http.post(
                f"{assignment}/v1/users", headers=admin, json={"name": "X", "email": "not-an-email"}
            ),
            422,
            "validation_failed",
        ),
        (
            await http.post(
                f"{assignment}/v1/users",
                headers=admin,
                json={"name": "X", "email": "x@example.com", "team_ids": ["NO-SUCH-TEAM"]},
            ),
            422,
            "unknown_team",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, error_code(response)) == (status, code), response.text
    assert (await http.get(f"{ingest}/v1/apps", headers=admin)).json()["total"] == before
    users = (await http.get(f"{assignment}/v1/users", headers=admin)).json()["items"]
    assert "x@example.com" not in [u["email"] for u in users]
    # Secrets never come back.
    made = await http.post(
        f"{ingest}/v1/apps",
        headers=admin,
        json={
            **base,
            "channel": "telegram",
            "credentials": {"bot_token": "123:abc", "secret_token": "s3cret"},
        },
    )
    assert made.status_code == 201
    shown = (await http.get(f"{ingest}/v1/apps/{made.json()['id']}", headers=admin)).text
    assert "s3cret" not in shown and "123:abc" not in shown


async def test_webchat_socket_survives_bad_frames(stack, workspace, http, connect) -> None:
    app = workspace["app_id"]
    session = (await http.post(f"{stack.url('ingest')}/v1/webchat/{app}/sessions", json={})).json()
    url = stack.ws_url("ingest", f"/v1/webchat/{app}/ws?token={session['session_token']}")
    async with connect(url) as person:
        for frame, code in [
            ("{oops", "invalid_json"),
            ("[1, 2]", "unknown_frame"),
            ('{"type": "typing"}', "unknown_frame"),
            ('{"type": "message", "text": "no id"}', "validation_failed"),
            ('{"type": "message", "text": "", "client_message_id": "e"}', "validation_failed"),
        ]:
            await person.ws.send(frame)
            reply = await person.expect(lambda f: f["type"] in ("error", "ack"))
            assert reply["type"] == "error" and reply["error"]["code"] == code, (frame, reply)
        await person.send({"type": "message", "text": "still here", "client_message_id": "s-1"})
        assert (await person.expect(lambda f: f["type"] == "ack"))["status"] == "accepted"

    # A frame larger than the body limit closes the socket instead of being buffered.
    async with connect(url) as person:
        await person.ws.send(
            '{"type": "message", "text": "' + "x" * 100_000 + '", "client_message_id": "big"}'
        )
        with pytest.raises(websockets.ConnectionClosed):
            await person.expect(lambda f: True, within=10)
    for bad in ("garbage", ""):
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(stack.ws_url("ingest", f"/v1/webchat/{app}/ws?token={bad}")) as ws:
                await ws.recv()
