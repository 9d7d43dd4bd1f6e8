"""The first path, end to end, only through HTTP and WebSockets: a person writes on Webchat, an
agent sees the chat live, takes it over with a reply, and the reply reaches the person."""

from __future__ import annotations

import httpx

from .conftest import auth, known_everywhere


async def start_person(http: httpx.AsyncClient, stack, app_id: str, name: str) -> dict:
    response = await http.post(f"{stack.url('ingest')}/v1/webchat/{app_id}/sessions", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()


async def test_person_message_reaches_agent_and_reply_reaches_person(stack, workspace, http, connect) -> None:
    app_id, token = workspace["app_id"], workspace["token"]
    session = await start_person(http, stack, app_id, "Ann")
    inbox, ingest = stack.url("inbox"), stack.url("ingest")

    async with (
        connect(stack.ws_url("inbox", f"/v1/stream?token={token}")) as agent,
        connect(
            stack.ws_url("ingest", f"/v1/webchat/{app_id}/ws?token={session['session_token']}")
        ) as person,
    ):
        sent = await http.post(
            f"{ingest}/v1/webchat/{app_id}/messages",
            headers=auth(session["session_token"]),
            json={"text": "Hello, I need help", "client_message_id": "c-1"},
        )
        assert sent.status_code == 202, sent.text

        created = await agent.expect(
            lambda f: f["type"] == "message.created" and f["data"]["text"] == "Hello, I need help"
        )
        chat_id = created["chat_id"]
        changed = await agent.expect(lambda f: f["type"] == "chat.changed" and f["chat_id"] == chat_id)
        assert changed["data"]["mode"] == "ai" and changed["data"]["person"]["name"] == "Ann"
        assert changed["data"]["app"] == {"id": app_id, "channel": "webchat", "name": "Website chat"}

        listed = (await http.get(f"{inbox}/v1/chats", headers=auth(token))).json()
        assert chat_id in [c["id"] for c in listed["items"]]
        messages = (await http.get(f"{inbox}/v1/chats/{chat_id}/messages", headers=auth(token))).json()
        assert [(m["author"]["type"], m["text"]) for m in messages["items"]] == [
            ("person", "Hello, I need help")
        ]

        reply = await http.post(
            f"{inbox}/v1/chats/{chat_id}/messages?takeover=true",
            headers=auth(token),
            json={"text": "Hi Ann, I am here.", "client_message_id": "r-1"},
        )
        assert reply.status_code == 201, reply.text
        assert reply.json()["author"] == {
            "type": "agent",
            "id": workspace["user_id"],
            "name": "Admin",
            "alias": None,
        }

        delivered = await person.expect(lambda f: f["type"] == "message")
        assert delivered["message"]["text"] == "Hi Ann, I am here." and delivered["cursor"] == 1
        assert delivered["message"]["author"]["type"] == "agent"

        # The person's socket got it, so the agent sees the reply as delivered.
        shown = await agent.expect(
            lambda f: f["type"] == "message.updated" and f["data"]["delivery"] == "delivered"
        )
        assert shown["data"]["id"] == reply.json()["id"] and shown["chat_id"] == chat_id

        taken = await agent.expect(lambda f: f["type"] == "chat.changed" and f["data"]["mode"] == "live")
        assert taken["data"]["assignee_id"] == workspace["user_id"]
        assert taken["version"] > changed["version"]

        # The person can also write over the socket; the agent sees it in order.
        await person.send({"type": "message", "text": "Thanks!", "client_message_id": "c-2"})
        ack = await person.expect(lambda f: f["type"] == "ack")
        assert ack == {"type": "ack", "client_message_id": "c-2", "status": "accepted"}
        await agent.expect(lambda f: f["type"] == "message.created" and f["data"]["text"] == "Thanks!")

    # Retrying the same reply stores nothing new.
    again = await http.post(
        f"{inbox}/v1/chats/{chat_id}/messages?takeover=true",
        headers=auth(token),
        json={"text": "Hi Ann, I am here.", "client_message_id": "r-1"},
    )
    assert again.status_code == 200 and again.json()["id"] == reply.json()["id"]
    assert again.json()["delivery"] == "delivered"
    history = (await http.get(f"{inbox}/v1/chats/{chat_id}/messages", headers=auth(token))).json()["items"]
    assert [(m["seq"], m["author"]["type"], m["text"]) for m in history] == [
        (1, "person", "Hello, I need help"),
        (2, "agent", "Hi Ann, I am here."),
        (3, "person", "Thanks!"),
    ]

    # A person who reconnects gets what was sent to them while away.
    async with connect(
        stack.ws_url("ingest", f"/v1/webchat/{app_id}/ws?token={session['session_token']}")
    ) as back:
        missed = await back.expect(lambda f: f["type"] == "message")
        assert missed["message"]["id"] == reply.json()["id"]


async def test_token_command_and_scoping(stack, workspace, http) -> None:
    """``livechat token`` signs for an existing user; an agent of another team learns nothing of the chat."""
    admin = auth(workspace["token"])
    assignment = stack.url("assignment")
    team = (
        await http.post(
            f"{assignment}/v1/teams",
            headers=admin,
            json={"teamspace_id": workspace["teamspace_id"], "name": "Sales"},
        )
    ).json()
    agent = (
        await http.post(
            f"{assignment}/v1/users",
            headers=admin,
            json={"name": "Bob", "email": "bob@example.com", "role": "agent", "team_ids": [team["id"]]},
        )
    ).json()
    colleague = (
        await http.post(
            f"{assignment}/v1/users",
            headers=admin,
            json={
                "name": "Cat",
                "email": "cat@example.com",
                "role": "agent",
                "team_ids": [workspace["team_id"]],
            },
        )
    ).json()

    bob = auth(stack.cli("token", "--workspace", workspace["workspace_id"], "--user", agent["id"])["token"])
    cat = auth(
        stack.cli("token", "--workspace", workspace["workspace_id"], "--user", colleague["id"])["token"]
    )
    for headers in (bob, cat):  # the inbox learns of new users from the directory's events
        await known_everywhere(http, stack, headers["Authorization"].removeprefix("Bearer "))

    session = await start_person(http, stack, workspace["app_id"], "Dan")
    sent = await http.post(
        f"{stack.url('ingest')}/v1/webchat/{workspace['app_id']}/messages",
        headers=auth(session["session_token"]),
        json={"text": "anyone?", "client_message_id": "d-1"},
    )
    assert sent.status_code == 202
    inbox = stack.url("inbox")

    async def dan_chat(headers: dict[str, str]) -> list[dict]:
        items = (await http.get(f"{inbox}/v1/chats", headers=headers)).json()["items"]
        return [c for c in items if c["person"]["name"] == "Dan"]

    from livechat_dev.testing import eventually

    chat = (await eventually(lambda: dan_chat(cat)))[0]  # Cat's team serves the app: she sees the AI chat
    assert await dan_chat(bob) == []
    assert (await http.get(f"{inbox}/v1/chats/{chat['id']}", headers=bob)).status_code == 404
    refused = await http.post(
        f"{inbox}/v1/chats/{chat['id']}/messages", headers=bob, json={"text": "x", "client_message_id": "b-1"}
    )
    assert refused.status_code == 404

    # Cat replies and so takes the unassigned chat; the admin then needs takeover=true.
    taken = await http.post(
        f"{inbox}/v1/chats/{chat['id']}/messages",
        headers=cat,
        json={"text": "Cat here", "client_message_id": "k-1"},
    )
    assert taken.status_code == 201
    blocked = await http.post(
        f"{inbox}/v1/chats/{chat['id']}/messages",
        headers=admin,
        json={"text": "admin here", "client_message_id": "a-1"},
    )
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "not_assignee"
    detail = (await http.get(f"{inbox}/v1/chats/{chat['id']}", headers=admin)).json()
    assert detail["assignee_id"] == colleague["id"] and detail["mode"] == "live"


async def test_bootstrap_prints_the_documented_fields(stack, workspace, http) -> None:
    assert {"workspace_id", "teamspace_id", "team_id", "app_id", "user_id", "token"} <= set(workspace)
    admin = auth(workspace["token"])
    app = (await http.get(f"{stack.url('ingest')}/v1/apps/{workspace['app_id']}", headers=admin)).json()
    assert (app["channel"], app["teamspace_id"], app["team_ids"]) == (
        "webchat",
        workspace["teamspace_id"],
        [workspace["team_id"]],
    )
    user = (
        await http.get(f"{stack.url('assignment')}/v1/users/{workspace['user_id']}", headers=admin)
    ).json()
    assert (user["role"], user["team_ids"]) == ("admin", [workspace["team_id"]])
    named = (await http.get(f"{stack.url('assignment')}/v1/workspace", headers=admin)).json()
    assert named == {
        "id": workspace["workspace_id"],
        "name": "E2E",
        **{k: named[k] for k in ("created_at", "updated_at")},
    }
