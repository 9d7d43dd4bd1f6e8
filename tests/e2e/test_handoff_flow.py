"""The Human Handoff, end to end, only through HTTP and WebSockets: a person asks for a human on
Webchat, the AI hands off, an online agent of the target team is assigned and sees the chat live,
closes it, and the person's rating lands on the chat. And a question the knowledge base answers stays
with the AI.

Each test configures the bot of a Webchat app of its own (in the workspace's teamspace), so the
shared app's defaults stay as the other end-to-end tests expect them."""

from __future__ import annotations

from typing import Any

import httpx
from livechat_dev.testing import eventually
from livechat_shared.ids import new_id

from .conftest import Stack, auth, new_user

ARTICLE = {
    "id": "returns",
    "question": "How do I return an item?",
    "answer": "You can return any item within 30 days from the Orders page of your account.",
}
HANDOFF_ANSWER = "Let me find a person to help you."  # the bot's default ``handoff_answer``
RATING_REQUEST = "How would you rate this conversation? Reply with a number from 1 (poor) to 5 (excellent)."
THANKS = "Thank you for your feedback!"


async def make_team(http: httpx.AsyncClient, stack: Stack, workspace: dict[str, Any], name: str) -> str:
    made = await http.post(
        f"{stack.url('assignment')}/v1/teams",
        headers=auth(workspace["token"]),
        json={"teamspace_id": workspace["teamspace_id"], "name": f"{name} {new_id()[-6:]}"},
    )
    assert made.status_code == 201, made.text
    team_id: str = made.json()["id"]
    return team_id


async def make_app(http: httpx.AsyncClient, stack: Stack, workspace: dict[str, Any]) -> str:
    """A Webchat app of the workspace's teamspace, served by the workspace's team."""
    made = await http.post(
        f"{stack.url('ingest')}/v1/apps",
        headers=auth(workspace["token"]),
        json={
            "teamspace_id": workspace["teamspace_id"],
            "channel": "webchat",
            "name": f"Handoff site {new_id()[-6:]}",
            "team_ids": [workspace["team_id"]],
        },
    )
    assert made.status_code == 201, made.text
    app_id: str = made.json()["id"]
    return app_id


async def configure_bot(
    http: httpx.AsyncClient, stack: Stack, workspace: dict[str, Any], app_id: str, team_id: str
) -> dict[str, Any]:
    """One article, and handoffs to the online members of ``team_id``; the configuration read back."""
    body = {
        "articles": [ARTICLE],
        "handoff": {
            "target": {"user_ids": [], "team_ids": [team_id], "availability_check": True},
            "by_language": False,
        },
    }
    url, admin = f"{stack.url('aiagent')}/v1/apps/{app_id}/bot", auth(workspace["token"])

    async def put() -> httpx.Response | None:
        # The AI agent learns of a team from the directory's events about its members: until then,
        # the team is unknown to it.
        response = await http.put(url, headers=admin, json=body)
        if response.status_code != 200:
            assert response.json()["error"]["code"] == "unknown_team", response.text
            return None
        return response

    stored = await eventually(put, within=30)
    assert stored is not None
    read = await http.get(url, headers=admin)
    assert read.status_code == 200, read.text
    config: dict[str, Any] = read.json()
    assert config["app_id"] == app_id and config["enabled"] is True
    assert config["articles"] == [ARTICLE]
    assert config["handoff"] == body["handoff"]
    assert config["version"] == stored.json()["version"] >= 1
    return config


async def set_presence(http: httpx.AsyncClient, stack: Stack, token: str, status: str) -> None:
    put = await http.put(
        f"{stack.url('assignment')}/v1/me/presence", headers=auth(token), json={"status": status}
    )
    assert put.status_code == 200, put.text
    assert put.json()["status"] == status


async def start_person(http: httpx.AsyncClient, stack: Stack, app_id: str, name: str) -> str:
    response = await http.post(f"{stack.url('ingest')}/v1/webchat/{app_id}/sessions", json={"name": name})
    assert response.status_code == 201, response.text
    token: str = response.json()["session_token"]
    return token


def from_ai(text: str) -> Any:
    """A person's frame: the AI's message with this text."""
    return lambda f: (
        f["type"] == "message" and f["message"]["author"]["type"] == "ai" and f["message"]["text"] == text
    )


async def test_a_person_asking_for_a_human_is_handed_to_the_online_team_member_and_rates_the_chat(
    stack, workspace, http: httpx.AsyncClient, connect
) -> None:
    team = await make_team(http, stack, workspace, "Handoff")
    member, member_token = await new_user(http, stack, workspace, "agent", team_ids=[team])
    outsider, outsider_token = await new_user(
        http, stack, workspace, "agent", team_ids=[workspace["team_id"]]
    )
    for token in (member_token, outsider_token):
        await set_presence(http, stack, token, "online")
    try:
        app_id = await make_app(http, stack, workspace)
        await configure_bot(http, stack, workspace, app_id, team)
        name = f"Eve {new_id()[-6:]}"
        session = await start_person(http, stack, app_id, name)
        inbox, agent = stack.url("inbox"), auth(member_token)

        async with (
            connect(stack.ws_url("inbox", f"/v1/stream?token={member_token}")) as stream,
            connect(stack.ws_url("ingest", f"/v1/webchat/{app_id}/ws?token={session}")) as person,
        ):
            asked = "I want to talk to a human agent please"
            await person.send({"type": "message", "text": asked, "client_message_id": "p-1"})
            ack = await person.expect("ack")
            assert ack == {"type": "ack", "client_message_id": "p-1", "status": "accepted"}

            # The AI's last words reach the person (the greeting may come first: it is the first message).
            handoff = await person.expect(from_ai(HANDOFF_ANSWER), within=30)
            chat_id = handoff["message"]["chat_id"]

            # The team member, online, gets the chat, live and open, on their stream.
            assigned = await stream.expect(
                lambda f: (
                    f["type"] == "chat.changed"
                    and f["chat_id"] == chat_id
                    and f["data"]["assignee_id"] == member
                ),
                within=30,
            )
            assert (assigned["data"]["mode"], assigned["data"]["status"]) == ("live", "open"), assigned
            assert team in assigned["data"]["team_ids"]
            assert assigned["data"]["person"]["name"] == name

            chat = (await http.get(f"{inbox}/v1/chats/{chat_id}", headers=agent)).json()
            assert (chat["assignee_id"], chat["mode"], chat["status"]) == (member, "live", "open"), chat
            assert chat["app"]["id"] == app_id and chat["rating"] is None

            async def history() -> list[dict[str, Any]]:
                page = await http.get(f"{inbox}/v1/chats/{chat_id}/messages", headers=agent)
                assert page.status_code == 200, page.text
                items: list[dict[str, Any]] = page.json()["items"]
                return items

            messages = await history()
            said = [(m["author"]["type"], m["text"]) for m in messages]
            assert ("person", asked) in said and ("ai", HANDOFF_ANSWER) in said, said
            summary = [
                m for m in messages if m["author"]["type"] == "system" and m["text"].startswith("Handed off")
            ]
            assert len(summary) == 1, said
            assert "Handoff: asked for a human." in summary[0]["text"] and asked in summary[0]["text"]
            lines = [
                m for m in messages if m["author"]["type"] == "system" and m["text"].startswith("Assigned to")
            ]
            assert len(lines) == 1, said

            # The decision log: the member chosen, the other online agent left out as not targeted.
            log = await http.get(
                f"{stack.url('assignment')}/v1/chats/{chat_id}/assignment-log", headers=agent
            )
            assert log.status_code == 200, log.text
            decisions = [d["decision"] for d in log.json()["items"] if d["decision"]["considered"]]
            assert decisions, log.json()
            decision = decisions[0]
            assert decision["user_id"] == member, decision
            considered = {c["user_id"]: c for c in decision["considered"]}
            assert considered[member]["excluded"] is None and considered[member]["presence"] == "online"
            assert considered[outsider]["excluded"] == "not_targeted", considered[outsider]
            assert considered[outsider]["presence"] == "online"

            # The agent replies; the person gets it.
            reply = await http.post(
                f"{inbox}/v1/chats/{chat_id}/messages",
                headers=agent,
                json={"text": "Hi, I am a person. How can I help?", "client_message_id": "a-1"},
            )
            assert reply.status_code == 201, reply.text
            assert reply.json()["author"]["id"] == member
            got = await person.expect(
                lambda f: f["type"] == "message" and f["message"]["id"] == reply.json()["id"], within=30
            )
            assert got["message"]["author"]["type"] == "agent"
            assert got["message"]["text"] == "Hi, I am a person. How can I help?"

            # The agent closes it: back with the AI, which asks the person for a rating.
            closed = await http.patch(f"{inbox}/v1/chats/{chat_id}", headers=agent, json={"status": "closed"})
            assert closed.status_code == 200, closed.text
            assert closed.json()["status"] == "closed"
            request = await person.expect(from_ai(RATING_REQUEST), within=30)
            assert request["message"]["kind"] == "feedback_request", request  # a widget shows its stars

            await person.send({"type": "message", "text": "4", "client_message_id": "p-2"})
            rating_ack = await person.expect(lambda f: f["type"] == "ack" and f["client_message_id"] == "p-2")
            assert rating_ack["status"] == "accepted"
            await person.expect(from_ai(THANKS), within=30)

        async def rated() -> dict[str, Any] | None:
            chat: dict[str, Any] = (await http.get(f"{inbox}/v1/chats/{chat_id}", headers=agent)).json()
            return chat if (chat.get("rating") or {}).get("score") == 4 else None

        final = await eventually(rated, within=30)
        assert final is not None
        assert (final["rating"]["score"], final["mode"], final["status"]) == (4, "ai", "closed"), final
        texts = [(m["author"]["type"], m["text"], m.get("kind")) for m in await history()]
        assert texts[-3:] == [
            ("ai", RATING_REQUEST, "feedback_request"),
            ("person", "4", None),
            ("ai", THANKS, "feedback_thanks"),
        ], texts

    finally:  # online agents of the teamspace would take the other tests' handoffs
        for token in (member_token, outsider_token):
            await set_presence(http, stack, token, "offline")


async def test_a_question_the_knowledge_base_answers_stays_with_the_ai(
    stack, workspace, http: httpx.AsyncClient, connect
) -> None:
    app_id = await make_app(http, stack, workspace)
    await configure_bot(http, stack, workspace, app_id, workspace["team_id"])
    session = await start_person(http, stack, app_id, f"Fay {new_id()[-6:]}")

    async with connect(stack.ws_url("ingest", f"/v1/webchat/{app_id}/ws?token={session}")) as person:
        await person.send({"type": "message", "text": "how do I return an item?", "client_message_id": "q-1"})
        answer = await person.expect(from_ai(ARTICLE["answer"]), within=30)
    chat_id = answer["message"]["chat_id"]
    admin = auth(workspace["token"])
    inbox = stack.url("inbox")

    async def answered() -> list[dict[str, Any]] | None:
        page = await http.get(f"{inbox}/v1/chats/{chat_id}/messages", headers=admin)
        items: list[dict[str, Any]] = page.json()["items"]
        return items if any(m["text"] == ARTICLE["answer"] for m in items) else None

    messages = await eventually(answered)
    assert messages is not None
    assert not [m for m in messages if m["author"]["type"] == "system"], messages  # no handoff line
    chat = (await http.get(f"{inbox}/v1/chats/{chat_id}", headers=admin)).json()
    assert (chat["mode"], chat["assignee_id"]) == ("ai", None), chat
    assert chat["status"] != "closed"
