"""The holes a probe of the running stack found stay closed: each numbered point of the security
review, as a user meets it over HTTP and WebSockets against every service running as a process."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from livechat_dev.testing import eventually, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.ids import new_id
from livechat_shared.settings import ServiceSettings

from .conftest import auth, known_everywhere, new_user


def code_of(response: httpx.Response) -> str:
    error: str = response.json()["error"]["code"]
    return error


async def person_chat(
    http: httpx.AsyncClient, stack, workspace: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """A person's session and the chat their first message made."""
    ingest, app_id = stack.url("ingest"), workspace["app_id"]
    name = f"Person {new_id()}"
    session = (await http.post(f"{ingest}/v1/webchat/{app_id}/sessions", json={"name": name})).json()
    sent = await http.post(
        f"{ingest}/v1/webchat/{app_id}/messages",
        headers=auth(session["session_token"]),
        json={"text": "hello", "client_message_id": "m-1"},
    )
    assert sent.status_code == 202

    async def chat() -> str | None:
        chats = (await http.get(f"{stack.url('inbox')}/v1/chats", headers=auth(workspace["token"]))).json()
        return next((c["id"] for c in chats["items"] if c["person"]["name"] == name), None)

    return session, await eventually(chat, within=30)


# 1 -------------------------------------------------------------------------------------------------


async def test_1_a_visitor_cannot_be_impersonated(stack, workspace, http) -> None:
    ingest, app_id = stack.url("ingest"), workspace["app_id"]
    real = (await http.post(f"{ingest}/v1/webchat/{app_id}/sessions", json={"name": "Ann"})).json()
    sessions = f"{ingest}/v1/webchat/{app_id}/sessions"

    forged = await http.post(sessions, json={"visitor_id": real["visitor_id"], "name": "Mallory"})
    assert (forged.status_code, code_of(forged)) == (403, "visitor_unverified")
    wrong_hash = await http.post(sessions, json={"visitor_id": real["visitor_id"], "visitor_hash": "0" * 64})
    assert (wrong_hash.status_code, code_of(wrong_hash)) == (403, "visitor_unverified")
    other_token = (await http.post(sessions, json={})).json()["session_token"]
    borrowed = await http.post(sessions, json={"visitor_id": real["visitor_id"]}, headers=auth(other_token))
    assert (borrowed.status_code, code_of(borrowed)) == (403, "visitor_unverified")

    # the visitor themself, proving it with their session, continues
    again = await http.post(
        sessions, json={"visitor_id": real["visitor_id"]}, headers=auth(real["session_token"])
    )
    assert again.status_code == 201 and again.json()["visitor_id"] == real["visitor_id"]


# 2 -------------------------------------------------------------------------------------------------


async def test_2_oversized_travelling_headers_are_refused_at_every_edge(stack, workspace, http) -> None:
    session, chat_id = await person_chat(http, stack, workspace)
    ingest, inbox, app_id = stack.url("ingest"), stack.url("inbox"), workspace["app_id"]
    huge = {"X-Correlation-Id": "x" * 8000}
    person = await http.post(
        f"{ingest}/v1/webchat/{app_id}/messages",
        headers=auth(session["session_token"]) | huge,
        json={"text": "again", "client_message_id": "m-2"},
    )
    assert (person.status_code, code_of(person)) == (400, "invalid_header")
    agent = await http.post(
        f"{inbox}/v1/chats/{chat_id}/messages",
        headers=auth(workspace["token"]) | huge,
        json={"text": "hi", "client_message_id": "r-1"},
    )
    assert (agent.status_code, code_of(agent)) == (400, "invalid_header")
    history = (
        await http.get(f"{inbox}/v1/chats/{chat_id}/messages", headers=auth(workspace["token"]))
    ).json()
    assert [m["text"] for m in history["items"]] == ["hello"]


# 3 -------------------------------------------------------------------------------------------------


async def test_3_a_supervisor_cannot_make_themselves_admin(stack, workspace, http) -> None:
    assignment = stack.url("assignment")
    sup_id, sup = await new_user(http, stack, workspace, "supervisor", team_ids=[workspace["team_id"]])
    attempts = [
        await http.post(
            f"{assignment}/v1/users",
            headers=auth(sup),
            json={"name": "Evil", "email": f"{new_id().lower()}@example.com", "role": "admin"},
        ),
        await http.patch(f"{assignment}/v1/users/{sup_id}", headers=auth(sup), json={"role": "admin"}),
        await http.patch(
            f"{assignment}/v1/users/{workspace['user_id']}", headers=auth(sup), json={"role": "agent"}
        ),
        await http.patch(f"{assignment}/v1/users/{sup_id}", headers=auth(sup), json={"grants": ["settings"]}),
        await http.put(f"{assignment}/v1/workspace", headers=auth(sup), json={"name": "Mine now"}),
    ]
    assert [(a.status_code, code_of(a)) for a in attempts] == [(403, "forbidden")] * len(attempts)
    me = (await http.get(f"{assignment}/v1/users/{sup_id}", headers=auth(workspace["token"]))).json()
    admin = (
        await http.get(f"{assignment}/v1/users/{workspace['user_id']}", headers=auth(workspace["token"]))
    ).json()
    assert (me["role"], me["grants"], admin["role"]) == ("supervisor", [], "admin")
    fresh = stack.cli("token", "--workspace", workspace["workspace_id"], "--user", sup_id)["token"]
    again = await http.post(
        f"{stack.url('ingest')}/v1/apps",
        headers=auth(fresh),
        json={"teamspace_id": workspace["teamspace_id"], "channel": "webchat", "name": "X"},
    )
    assert again.status_code == 403


# 4 -------------------------------------------------------------------------------------------------


async def test_4_tokens_are_checked_against_the_directory(stack, workspace, http) -> None:
    assignment, inbox = stack.url("assignment"), stack.url("inbox")
    dev = settings_from(ServiceSettings, stack.env)
    nobody = issue_token(dev, user_id="no-such-user", workspace_id=workspace["workspace_id"], role="admin")
    refused = await http.get(f"{inbox}/v1/chats", headers=auth(nobody))
    assert (refused.status_code, code_of(refused)) == (401, "invalid_token")

    # an admin demoted to agent has an agent's powers on the next request, with the same token
    user_id, token = await new_user(http, stack, workspace, "admin", team_ids=[workspace["team_id"]])
    app_body = {"teamspace_id": workspace["teamspace_id"], "channel": "webchat", "name": "Demoted"}
    assert (await http.get(f"{stack.url('ingest')}/v1/apps", headers=auth(token))).status_code == 200
    demoted = await http.patch(
        f"{assignment}/v1/users/{user_id}", headers=auth(workspace["token"]), json={"role": "agent"}
    )
    assert demoted.status_code == 200

    async def agent_now() -> bool:
        return (
            await http.post(f"{stack.url('ingest')}/v1/apps", headers=auth(token), json=app_body)
        ).status_code == 403

    await eventually(agent_now, within=30)
    assert (await http.get(f"{assignment}/v1/users/{user_id}", headers=auth(token))).json().get(
        "email"
    ) is None

    # a deactivated user is refused everywhere on the next request
    off = await http.patch(
        f"{assignment}/v1/users/{user_id}", headers=auth(workspace["token"]), json={"active": False}
    )
    assert off.status_code == 200
    await known_everywhere(http, stack, token, refused=True)
    assert (await http.get(f"{assignment}/v1/workspace", headers=auth(token))).status_code == 401


# 5 -------------------------------------------------------------------------------------------------


async def test_5_a_stream_closes_when_its_token_expires(stack, workspace, http) -> None:
    dev = settings_from(ServiceSettings, stack.env)
    short = issue_token(
        dev, user_id=workspace["user_id"], workspace_id=workspace["workspace_id"], ttl=timedelta(seconds=2)
    )
    async with websockets.connect(stack.ws_url("inbox", f"/v1/stream?token={short}"), open_timeout=10) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(15):
                while True:
                    await ws.recv()
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "token_expired")  # type: ignore[union-attr]


async def test_5_a_stream_closes_when_its_user_is_deactivated(stack, workspace, http) -> None:
    user_id, token = await new_user(http, stack, workspace, "agent", team_ids=[workspace["team_id"]])
    async with websockets.connect(stack.ws_url("inbox", f"/v1/stream?token={token}"), open_timeout=10) as ws:
        off = await http.patch(
            f"{stack.url('assignment')}/v1/users/{user_id}",
            headers=auth(workspace["token"]),
            json={"active": False},
        )
        assert off.status_code == 200
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(30):
                while True:
                    await ws.recv()
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4003, "access_revoked")  # type: ignore[union-attr]


# 6 -------------------------------------------------------------------------------------------------


async def test_6_a_token_cannot_create_a_workspace(stack, workspace, http) -> None:
    dev = settings_from(ServiceSettings, stack.env)
    ghost_ws = new_id()
    ghost = issue_token(dev, user_id="ghost", workspace_id=ghost_ws, role="admin")
    put = await http.put(
        f"{stack.url('assignment')}/v1/workspace", headers=auth(ghost), json={"name": "Mine"}
    )
    assert put.status_code in (401, 404)
    # the workspace's own admin cannot create another workspace either: that is the operator's act
    create = await http.post(
        f"{stack.url('assignment')}/v1/workspaces",
        headers=auth(workspace["token"]),
        json={"name": "Side", "admin": {"name": "A", "email": "a@example.com"}},
    )
    assert create.status_code == 401
    key = {"X-Operator-Key": stack.env["LIVECHAT_OPERATOR_KEY"]}
    lookup = await http.get(f"{stack.url('assignment')}/v1/workspaces/{ghost_ws}/users/ghost", headers=key)
    assert lookup.status_code == 404


# 9 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("inbox", "/v1/chats/{chat}/messages?after_seq=9223372036854775808"),
        ("inbox", "/v1/chats?page=4611686018427387904"),
        ("inbox", "/v1/sync?since=0001-01-01T00:00:00%2B14:00"),
        ("ingest", "/v1/apps?page=4611686018427387904"),
        ("assignment", "/v1/users?page=4611686018427387904"),
        ("assignment", "/v1/teams?page=4611686018427387904"),
    ],
)
async def test_9_huge_numbers_and_dates_are_clear_errors(
    stack, workspace, http, service: str, path: str
) -> None:
    response = await http.get(
        f"{stack.url(service)}{path.format(chat='any')}", headers=auth(workspace["token"])
    )
    assert response.status_code in (400, 404, 422), response.text
    assert set(response.json()["error"]) >= {"code", "message"}


async def test_9_a_huge_socket_cursor_is_refused_cleanly(stack, workspace, http) -> None:
    session = (
        await http.post(f"{stack.url('ingest')}/v1/webchat/{workspace['app_id']}/sessions", json={})
    ).json()
    url = stack.ws_url(
        "ingest",
        f"/v1/webchat/{workspace['app_id']}/ws?token={session['session_token']}&after=99999999999999999999",
    )
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url, open_timeout=10):
            pass
    assert refused.value.response.status_code == 400


# 10 ------------------------------------------------------------------------------------------------


async def test_10_an_encoded_token_parameter_never_reaches_the_logs(stack, workspace, http) -> None:
    token = workspace["token"]
    async with websockets.connect(stack.ws_url("inbox", f"/v1/stream?%74oken={token}"), open_timeout=10):
        pass
    await http.get(f"{stack.url('inbox')}/v1/chats?%74oken={token}")
    await http.get(f"{stack.url('ingest')}/v1/apps", headers={"Authorization": f"Bearer {token}x"})

    async def logged() -> bool:
        return (
            "%74oken=" in (stack.logs / "inbox.log").read_text()
            or "token=***" in (stack.logs / "inbox.log").read_text()
        )

    await eventually(logged, within=10)
    for service in ("inbox", "ingest"):
        assert token not in (stack.logs / f"{service}.log").read_text()


# 11 ------------------------------------------------------------------------------------------------


async def test_11_bad_socket_frames_get_answers_and_the_socket_stays_alive(stack, workspace, http) -> None:
    app_id = workspace["app_id"]
    session = (await http.post(f"{stack.url('ingest')}/v1/webchat/{app_id}/sessions", json={})).json()
    async with websockets.connect(
        stack.ws_url("ingest", f"/v1/webchat/{app_id}/ws?token={session['session_token']}"), open_timeout=10
    ) as ws:
        for bad, code in [
            ("[" * 20_000, "invalid_json"),
            (b"\x00\x01binary", "binary_not_supported"),
            ("{", "invalid_json"),
        ]:
            await ws.send(bad)
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert (frame["type"], frame["error"]["code"]) == ("error", code)
        await ws.send(json.dumps({"type": "message", "text": "still here", "client_message_id": "ok-1"}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert (ack["type"], ack["client_message_id"], ack["status"]) == ("ack", "ok-1", "accepted")


# 12 ------------------------------------------------------------------------------------------------


async def test_12_agents_see_no_apps_and_no_emails(stack, workspace, http) -> None:
    _, agent = await new_user(http, stack, workspace, "agent", team_ids=[workspace["team_id"]])
    apps = await http.get(f"{stack.url('ingest')}/v1/apps", headers=auth(agent))
    assert (apps.status_code, code_of(apps)) == (403, "forbidden")
    users = (await http.get(f"{stack.url('assignment')}/v1/users", headers=auth(agent))).json()["items"]
    assert users and all("email" not in u for u in users)
    admins_view = (
        await http.get(f"{stack.url('assignment')}/v1/users", headers=auth(workspace["token"]))
    ).json()
    assert all("email" in u for u in admins_view["items"])


async def test_12_attachments_must_be_http_and_answers_carry_security_headers(stack, workspace, http) -> None:
    session, chat_id = await person_chat(http, stack, workspace)
    evil = {"attachments": [{"url": "javascript:alert(document.cookie)", "content_type": "text/html"}]}
    person = await http.post(
        f"{stack.url('ingest')}/v1/webchat/{workspace['app_id']}/messages",
        headers=auth(session["session_token"]),
        json={**evil, "client_message_id": "x-1"},
    )
    agent = await http.post(
        f"{stack.url('inbox')}/v1/chats/{chat_id}/messages",
        headers=auth(workspace["token"]),
        json={**evil, "client_message_id": "x-2"},
    )
    assert (person.status_code, agent.status_code) == (422, 422)
    for service, path in [
        ("ingest", f"/webchat/{workspace['app_id']}"),
        ("inbox", "/v1/chats"),
        ("assignment", "/healthz"),
    ]:
        response = await http.get(f"{stack.url(service)}{path}", headers=auth(workspace["token"]))
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]
