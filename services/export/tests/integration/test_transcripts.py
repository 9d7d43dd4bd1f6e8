"""Transcripts are served from the read model, fed on the real bus: text or JSON, to the users who
may see the chat (404 for everyone else)."""

from __future__ import annotations

from datetime import timedelta

from livechat_shared.ids import new_id

from .conftest import T0, World


async def test_a_transcript_as_text_and_as_json(world: World) -> None:
    chat = new_id()
    await world.chat(chat, 2, person={"id": "p-1", "name": "Zoë"}, app={"id": "app-1", "channel": "telegram"})
    await world.message(chat, "person", "Bonjour", T0 + timedelta(seconds=1))
    await world.message(
        chat, "agent", "Hello Zoë", T0 + timedelta(seconds=5), by={"id": "u-agent", "name": "Abe"}
    )
    body = await world.transcript_json(chat, messages=2)
    assert body["chat"]["id"] == chat and body["chat"]["version"] == 2
    assert [(m["seq"], m["author"]["type"], m["text"]) for m in body["messages"]] == [
        (1, "person", "Bonjour"),
        (2, "agent", "Hello Zoë"),
    ]

    text = await world.client.get(f"/v1/chats/{chat}/transcript", headers=world.auth("agent"))
    assert text.status_code == 200
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.headers["content-disposition"] == f'attachment; filename="transcript-{chat}.txt"'
    assert text.text.splitlines()[-2:] == [
        "[2025-03-14T09:00:01Z] Zoë: Bonjour",
        "[2025-03-14T09:00:05Z] Abe: Hello Zoë",
    ]
    as_json = await world.client.get(f"/v1/chats/{chat}/transcript?format=json", headers=world.auth("agent"))
    assert as_json.headers["content-disposition"] == f'attachment; filename="transcript-{chat}.json"'
    bad = await world.client.get(f"/v1/chats/{chat}/transcript?format=pdf", headers=world.auth("agent"))
    assert bad.status_code == 422


async def test_a_chat_outside_the_users_scope_does_not_exist_for_them(world: World) -> None:
    theirs, held, other_team = new_id(), new_id(), new_id()
    await world.chat(theirs, 1, team_ids=["t-1"])
    await world.chat(held, 1, team_ids=["t-1"], assignee_id="u-someone")
    await world.chat(other_team, 1, team_ids=["t-2"])
    for chat in (theirs, held, other_team):
        await world.transcript_json(chat)

    expected = {
        ("agent", theirs): 200,  # their team's, nobody holds it
        ("agent", held): 404,  # someone else holds it
        ("agent", other_team): 404,
        ("supervisor", held): 200,
        ("supervisor", other_team): 404,
        ("granted", other_team): 200,
        ("foreign", theirs): 404,  # another workspace's admin
        ("admin", other_team): 200,
    }
    got: dict[tuple[str, str], int] = {}
    for who, chat in expected:
        response = await world.client.get(f"/v1/chats/{chat}/transcript", headers=world.auth(who))
        got[who, chat] = response.status_code
        if response.status_code == 404:
            assert response.json()["error"]["code"] == "not_found"
    assert got == expected
    missing = await world.client.get(f"/v1/chats/{new_id()}/transcript", headers=world.auth("admin"))
    assert missing.status_code == 404
    assert (await world.client.get(f"/v1/chats/{theirs}/transcript")).status_code == 401
