"""The inbox app in process against the real broker and database, with a chat to work on and users
of each kind (``live_inbox``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from inbox.app import create_app
from inbox.inbound.handlers import on_message_received
from inbox.settings import Settings
from livechat_dev.testing import directory_user, running, seed_directory, serving, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import Envelope, MessageReceivedV1, PersonRef
from livechat_shared.ids import new_id, utcnow

WS = "ws-live"


@dataclass
class LiveInbox:
    """A running inbox; users ``u-admin``, ``u-agent``, ``u-agent2`` and ``u-sup`` (team-1), ``u-outsider``
    (team-9) and ``u-other`` (another workspace's admin); ``chat_id``: visitor-0001's chat in
    team-1, unassigned, in AI mode."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    chat_id: str
    address: str = ""
    """``host:port`` when served over a real socket (``served_inbox``), for ``WS /v1/stream``."""

    def stream_url(self, user_id: str) -> str:
        token = issue_token(self.settings, user_id=user_id, workspace_id=WS)
        return f"ws://{self.address}/v1/stream?token={token}"

    def auth(self, user_id: str, workspace_id: str = WS) -> dict[str, str]:
        token = issue_token(self.settings, user_id=user_id, workspace_id=workspace_id)
        return {"Authorization": "Bearer " + token}

    async def person_writes(self, text: str, visitor: str = "visitor-0001") -> None:
        event = MessageReceivedV1(
            app_id="app-1",
            teamspace_id="ts-1",
            team_ids=["team-1"],
            channel="webchat",
            external_message_id=new_id(),
            person=PersonRef(external_id=visitor, language="de"),
            text=text,
            received_at=utcnow(),
        )
        await on_message_received(self.app.state.inbound)(Envelope.wrap(event, workspace_id=WS))

    async def chat(self, chat_id: str | None = None) -> dict:
        response = await self.client.get(f"/v1/chats/{chat_id or self.chat_id}", headers=self.auth("u-admin"))
        assert response.status_code == 200
        body: dict = response.json()
        return body

    async def history(self, chat_id: str | None = None) -> list[dict]:
        path = f"/v1/chats/{chat_id or self.chat_id}/messages"
        items: list[dict] = (await self.client.get(path, headers=self.auth("u-admin"))).json()["items"]
        return items

    async def patch(self, user: str, body: dict, **headers: str) -> httpx.Response:
        return await self.client.patch(
            f"/v1/chats/{self.chat_id}", headers={**self.auth(user), **headers}, json=body
        )


async def _seed(settings: Settings) -> None:
    await seed_directory(
        settings,
        directory_user("u-admin", WS, "admin", name="Ada"),
        directory_user("u-agent", WS, "agent", team_ids=("team-1",), name="Ana"),
        directory_user("u-agent2", WS, "agent", team_ids=("team-1",), name="Ben"),
        directory_user("u-sup", WS, "supervisor", team_ids=("team-1",), name="Sue"),
        directory_user("u-outsider", WS, "agent", team_ids=("team-9",), name="Olga"),
        directory_user("u-other", "ws-other", "admin", name="Oscar"),
    )


async def _with_chat(inbox: LiveInbox) -> LiveInbox:
    await inbox.person_writes("hello")
    chats = (await inbox.client.get("/v1/chats", headers=inbox.auth("u-admin"))).json()["items"]
    inbox.chat_id = chats[0]["id"]
    return inbox


@pytest.fixture
async def live_inbox(env: dict[str, str]) -> AsyncIterator[LiveInbox]:
    settings = settings_from(Settings, env)
    await _seed(settings)
    app = create_app(settings)
    async with running(app) as client:
        yield await _with_chat(LiveInbox(app, client, settings, chat_id=""))


@pytest.fixture
async def served_inbox(env: dict[str, str]) -> AsyncIterator[LiveInbox]:
    """As ``live_inbox``, served by uvicorn on a loopback port (the stream needs a real socket)."""
    settings = settings_from(Settings, env)
    await _seed(settings)
    app = create_app(settings)
    async with (
        serving(app) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=20) as client,
    ):
        yield await _with_chat(LiveInbox(app, client, settings, chat_id="", address=address))
