"""Two users taking over the same chat at the same moment (real database): exactly one wins, the
other gets 409 ``not_assignee`` and stores nothing."""

from __future__ import annotations

import asyncio

from .conftest import LiveInbox


async def test_two_takeovers_at_once_one_wins(live_inbox: LiveInbox) -> None:
    inbox = live_inbox
    for n in range(3):
        visitor = f"visitor-race-{n}"
        await inbox.person_writes("help", visitor=visitor)
        chats = (await inbox.client.get("/v1/chats", headers=inbox.auth("u-admin"))).json()["items"]
        chat_id = chats[0]["id"]  # newest first: this visitor's new chat
        owned = await inbox.client.post(
            f"/v1/chats/{chat_id}/messages",
            headers=inbox.auth("u-agent"),
            json={"text": "Ana here", "client_message_id": f"own-{n}"},
        )
        assert owned.status_code == 201
        history = await inbox.history(chat_id)

        answers = await asyncio.gather(
            *(
                inbox.client.post(
                    f"/v1/chats/{chat_id}/messages",
                    params={"takeover": "true"},
                    headers=inbox.auth(user),
                    json={"text": f"{user} takes over", "client_message_id": f"race-{n}"},
                )
                for user in ("u-admin", "u-sup")
            )
        )
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 409)
        assert loser.json()["error"]["code"] == "not_assignee"
        winner = next(a for a in answers if a.status_code == 201).json()
        chat = await inbox.chat(chat_id)
        assert chat["assignee_id"] == winner["author"]["id"]
        assert len(await inbox.history(chat_id)) == len(history) + 1  # only the winner's reply
