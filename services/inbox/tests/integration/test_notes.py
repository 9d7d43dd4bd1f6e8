"""Notes over HTTP against the real inbox (real broker and database): the CRUD a client meets,
validation, who may see and change a note, and the ``note.changed`` frame on ``WS /v1/stream``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import websockets
from fastapi import FastAPI
from inbox.app import create_app
from inbox.inbound.handlers import on_message_received
from inbox.settings import Settings
from livechat_dev.testing import (
    StreamFrames,
    directory_user,
    running,
    seed_directory,
    serving,
    settings_from,
)
from livechat_shared.auth import issue_token
from livechat_shared.contracts import DirectoryUser, Envelope, MessageReceivedV1, PersonRef
from livechat_shared.ids import new_id, utcnow

# uvicorn's default WebSocket implementation (as livechat-inbox runs it) uses websockets' legacy API
pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.server.WebSocketServerProtocol:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:remove second argument of ws_handler:DeprecationWarning"),
]

WS = "ws-notes"
USERS: dict[str, DirectoryUser] = {
    "admin": directory_user("u-admin", WS, "admin", name="Ada"),
    "supervisor": directory_user("u-sup", WS, "supervisor", team_ids=("t-1",), name="Sue"),
    "author": directory_user("u-author", WS, "agent", team_ids=("t-1",), name="Abe"),
    "colleague": directory_user("u-colleague", WS, "agent", team_ids=("t-1",), name="Cal"),
    "other team": directory_user("u-other", WS, "agent", team_ids=("t-2",), name="Oz"),
}
"""The directory as the assignment service announced it; the chat belongs to team ``t-1``."""


@dataclass
class Inbox:
    app: FastAPI
    http: httpx.AsyncClient
    settings: Settings
    chat_id: str

    def auth(self, who: str) -> dict[str, str]:
        user = USERS[who]
        return {"Authorization": "Bearer " + issue_token(self.settings, user_id=user.id, workspace_id=WS)}

    def notes(self, note_id: str | None = None) -> str:
        return f"/v1/chats/{self.chat_id}/notes" + (f"/{note_id}" if note_id else "")

    async def add(self, who: str = "author", **body: Any) -> dict[str, Any]:
        created = await self.http.post(self.notes(), headers=self.auth(who), json={"body": "VIP", **body})
        assert created.status_code == 201, created.text
        note: dict[str, Any] = created.json()
        return note

    async def listed(self, who: str = "admin") -> dict[str, Any]:
        page = await self.http.get(self.notes(), headers=self.auth(who))
        assert page.status_code == 200, page.text
        found: dict[str, Any] = page.json()
        return found

    async def version(self) -> int:
        chat = await self.http.get(f"/v1/chats/{self.chat_id}", headers=self.auth("admin"))
        version: int = chat.json()["version"]
        return version


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return settings_from(Settings, env)


async def new_chat(app: FastAPI, http: httpx.AsyncClient, settings: Settings) -> str:
    """A new unassigned chat of team ``t-1`` (a person's first message)."""
    visitor = f"visitor-{new_id()}"
    event = MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        team_ids=["t-1"],
        channel="webchat",
        external_message_id=f"m-{new_id()}",
        person=PersonRef(external_id=visitor, name="Ann"),
        text="hello",
        received_at=utcnow(),
    )
    await on_message_received(app.state.inbound)(Envelope.wrap(event, workspace_id=WS))
    admin = {"Authorization": "Bearer " + issue_token(settings, user_id="u-admin", workspace_id=WS)}
    chats = (await http.get("/v1/chats", headers=admin)).json()["items"]
    chat_id: str = chats[0]["id"]
    return chat_id


@pytest.fixture
async def inbox(settings: Settings) -> AsyncIterator[Inbox]:
    await seed_directory(settings, *USERS.values())
    app = create_app(settings)
    async with running(app) as http:
        yield Inbox(app, http, settings, await new_chat(app, http, settings))


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def test_notes_crud(inbox: Inbox) -> None:
    version = await inbox.version()

    first = await inbox.add(body="Prefers email over phone", colour="green")
    assert set(first) == {"id", "chat_id", "body", "colour", "author", "created_at", "updated_at"}
    assert (first["chat_id"], first["body"], first["colour"]) == (
        inbox.chat_id,
        "Prefers email over phone",
        "green",
    )
    assert first["author"] == {"id": "u-author", "name": "Abe"}
    assert first["created_at"] == first["updated_at"]
    second = await inbox.add(who="colleague", body="Asked for a refund before")
    assert second["colour"] == "yellow"

    page = await inbox.listed(who="colleague")
    assert [n["id"] for n in page["items"]] == [first["id"], second["id"]]  # oldest first
    assert page["items"][0] == first
    assert (page["total"], page["page"], page["page_size"]) == (2, 1, 50)
    one = (await inbox.http.get(inbox.notes(), headers=inbox.auth("author"), params={"page_size": 1})).json()
    assert ([n["id"] for n in one["items"]], one["total"]) == ([first["id"]], 2)

    edited = await inbox.http.patch(
        inbox.notes(first["id"]), headers=inbox.auth("author"), json={"body": "Prefers email"}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["body"], edited.json()["colour"]) == ("Prefers email", "green")
    assert edited.json()["created_at"] == first["created_at"]
    recoloured = await inbox.http.patch(
        inbox.notes(first["id"]), headers=inbox.auth("author"), json={"colour": "pink"}
    )
    assert (recoloured.json()["body"], recoloured.json()["colour"]) == ("Prefers email", "pink")
    assert (await inbox.listed())["items"][0] == recoloured.json()

    deleted = await inbox.http.delete(inbox.notes(first["id"]), headers=inbox.auth("author"))
    assert deleted.status_code == 204 and deleted.content == b""
    assert [n["id"] for n in (await inbox.listed())["items"]] == [second["id"]]
    gone = await inbox.http.patch(inbox.notes(first["id"]), headers=inbox.auth("author"), json={"body": "x"})
    assert gone.status_code == 404 and error_code(gone) == "not_found"

    # every change (2 adds, 2 edits, 1 delete) is a new version of the chat; notes are not messages
    assert await inbox.version() == version + 5
    history = (
        await inbox.http.get(f"/v1/chats/{inbox.chat_id}/messages", headers=inbox.auth("admin"))
    ).json()
    assert [m["text"] for m in history["items"]] == ["hello"]


@pytest.mark.parametrize(
    "body",
    [
        {"body": ""},
        {"body": "   "},
        {"body": "x" * 5001},
        {"body": "x", "colour": "orange"},
        {"colour": "green"},
        {"body": None},
        {"body": "x", "author": {"id": "u-admin", "name": "Ada"}},
    ],
)
async def test_an_invalid_new_note_is_422_and_nothing_is_stored(inbox: Inbox, body: dict[str, Any]) -> None:
    version = await inbox.version()
    refused = await inbox.http.post(inbox.notes(), headers=inbox.auth("author"), json=body)
    assert refused.status_code == 422, refused.text
    assert error_code(refused) == "validation_failed"
    assert (await inbox.listed())["total"] == 0
    assert await inbox.version() == version


async def test_an_invalid_edit_is_422_and_the_note_is_unchanged(inbox: Inbox) -> None:
    note = await inbox.add(body="Original", colour="blue")
    version = await inbox.version()
    for body in ({}, {"body": ""}, {"body": "x" * 5001}, {"colour": "red"}, {"body": "x", "chat_id": "c"}):
        refused = await inbox.http.patch(inbox.notes(note["id"]), headers=inbox.auth("author"), json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert error_code(refused) == "validation_failed"
    assert (await inbox.listed())["items"] == [note]
    assert await inbox.version() == version
    longest = await inbox.http.patch(
        inbox.notes(note["id"]), headers=inbox.auth("author"), json={"body": "y" * 5000}
    )
    assert longest.status_code == 200 and len(longest.json()["body"]) == 5000


async def test_an_agent_of_another_team_gets_404_on_every_notes_route(inbox: Inbox) -> None:
    note = await inbox.add()
    version = await inbox.version()
    outsider = inbox.auth("other team")
    answers = [
        await inbox.http.get(inbox.notes(), headers=outsider),
        await inbox.http.post(inbox.notes(), headers=outsider, json={"body": "I was here"}),
        await inbox.http.patch(inbox.notes(note["id"]), headers=outsider, json={"body": "changed"}),
        await inbox.http.delete(inbox.notes(note["id"]), headers=outsider),
        await inbox.http.patch(inbox.notes("no-such-note"), headers=outsider, json={"body": "changed"}),
    ]
    assert [(a.status_code, error_code(a)) for a in answers] == [(404, "not_found")] * len(answers)
    # as for a chat that does not exist at all
    missing = await inbox.http.get("/v1/chats/no-such-chat/notes", headers=inbox.auth("admin"))
    assert (missing.status_code, error_code(missing)) == (404, "not_found")
    assert (await inbox.listed())["items"] == [note]
    assert await inbox.version() == version


async def test_only_the_author_an_admin_or_a_supervisor_change_a_note(inbox: Inbox) -> None:
    note = await inbox.add(body="Abe's note")
    colleague = inbox.auth("colleague")

    edit = await inbox.http.patch(inbox.notes(note["id"]), headers=colleague, json={"body": "Cal's now"})
    delete = await inbox.http.delete(inbox.notes(note["id"]), headers=colleague)
    assert [(r.status_code, error_code(r)) for r in (edit, delete)] == [(403, "forbidden")] * 2
    assert (await inbox.listed())["items"] == [note]

    by_supervisor = await inbox.http.patch(
        inbox.notes(note["id"]), headers=inbox.auth("supervisor"), json={"colour": "purple"}
    )
    assert by_supervisor.status_code == 200 and by_supervisor.json()["author"]["id"] == "u-author"
    by_admin = await inbox.http.delete(inbox.notes(note["id"]), headers=inbox.auth("admin"))
    assert by_admin.status_code == 204
    assert (await inbox.listed())["total"] == 0


async def test_a_note_of_another_chat_is_not_found(inbox: Inbox) -> None:
    note = await inbox.add()
    other = await new_chat(inbox.app, inbox.http, inbox.settings)
    moved = await inbox.http.patch(
        f"/v1/chats/{other}/notes/{note['id']}", headers=inbox.auth("admin"), json={"body": "x"}
    )
    assert (moved.status_code, error_code(moved)) == (404, "not_found")
    assert (await inbox.http.get(f"/v1/chats/{other}/notes", headers=inbox.auth("admin"))).json()[
        "total"
    ] == 0


# --- the stream ---------------------------------------------------------------------------------


async def test_the_stream_delivers_note_changes_to_those_who_see_the_chat(settings: Settings) -> None:
    await seed_directory(settings, *USERS.values())
    app = create_app(settings)
    async with (
        serving(app) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=20) as http,
    ):
        inbox = Inbox(app, http, settings, await new_chat(app, http, settings))

        def stream(who: str) -> str:
            token = issue_token(settings, user_id=USERS[who].id, workspace_id=WS)
            return f"ws://{address}/v1/stream?token={token}"

        async with (
            websockets.connect(stream("colleague"), open_timeout=10) as colleague_ws,
            websockets.connect(stream("other team"), open_timeout=10) as outsider,
        ):
            colleague = StreamFrames(colleague_ws)
            note = await inbox.add(body="Prefers email", colour="blue")
            created = await colleague.expect("note.changed")
            assert set(created) == {"type", "chat_id", "version", "data"}
            assert created["chat_id"] == inbox.chat_id
            assert created["version"] == await inbox.version()
            assert created["data"] == {"note": note, "deleted": False}
            changed = await colleague.expect("chat.changed")
            assert changed["version"] == created["version"]

            edited = await inbox.http.patch(
                inbox.notes(note["id"]), headers=inbox.auth("author"), json={"body": "Prefers phone"}
            )
            after_edit = await colleague.expect("note.changed")
            assert after_edit["version"] == created["version"] + 1
            assert after_edit["data"] == {"note": edited.json(), "deleted": False}

            assert (
                await inbox.http.delete(inbox.notes(note["id"]), headers=inbox.auth("author"))
            ).status_code == 204
            after_delete = await colleague.expect("note.changed")
            assert after_delete["version"] == created["version"] + 2 == await inbox.version()
            assert after_delete["data"] == {"note": edited.json(), "deleted": True}

            # the agent of another team was sent none of it (sent together with the frames above)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(outsider.recv(), timeout=0.5)
