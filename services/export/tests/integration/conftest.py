"""The export app in process against the real broker and database: users of every kind in its copy
of the directory, and a world that publishes what the inbox would (snapshots, messages, deletions)
on the real bus and reads back through the export API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from export.app import create_app
from export.settings import Settings
from fastapi import FastAPI
from livechat_dev.testing import directory_user, eventually, running, seed_directory, settings_from
from livechat_shared.auth import issue_token
from livechat_shared.contracts import (
    ChatChangedV1,
    ChatDeletedV1,
    ChatSnapshot,
    Envelope,
    MessageCreatedV1,
    MessageUpdatedV1,
    MessageView,
)
from livechat_shared.ids import new_id
from livechat_shared.topology import EXPORT_CHATS, partition_of

WS = "ws-exp"
T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)

USERS = {
    "admin": directory_user("u-admin", WS, "admin", name="Ada"),
    "supervisor": directory_user("u-sup", WS, "supervisor", team_ids=("t-1",), name="Sue"),
    "agent": directory_user("u-agent", WS, "agent", team_ids=("t-1",), name="Abe"),
    "granted": directory_user("u-granted", WS, "agent", team_ids=("t-2",), name="Gil", grants=["export"]),
    "foreign": directory_user("u-foreign", "ws-elsewhere", "admin", name="Fay"),
}


class World:
    """The running export service, and the inbox's side of the bus."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, settings: Settings) -> None:
        self.app, self.client, self.settings = app, client, settings
        self.versions: dict[str, int] = {}
        self.seqs: dict[str, int] = {}

    def auth(self, who: str) -> dict[str, str]:
        user = USERS[who]
        token = issue_token(self.settings, user_id=user.id, workspace_id=user.workspace_id)
        return {"Authorization": f"Bearer {token}"}

    async def publish(self, envelope: Envelope) -> None:
        await self.app.state.runtime.publisher.publish(envelope)

    # --- what the inbox announces ------------------------------------------------------------------

    def snapshot(self, chat_id: str, version: int, **fields: Any) -> ChatSnapshot:
        values: dict[str, Any] = {
            "id": chat_id,
            "workspace_id": WS,
            "teamspace_id": "ts-1",
            "app": {"id": "app-1", "channel": "webchat", "name": "Website"},
            "person": {"id": f"p-{chat_id}", "name": "Unknown"},
            "mode": "live",
            "status": "open",
            "team_ids": ["t-1"],
            "created_at": T0,
            "updated_at": T0 + timedelta(minutes=version),
            "version": version,
        }
        return ChatSnapshot.model_validate({**values, **fields})

    async def chat(self, chat_id: str, version: int, **fields: Any) -> ChatSnapshot:
        """Announce the chat's snapshot ``version``."""
        snap = self.snapshot(chat_id, version, **fields)
        await self.publish(
            Envelope.wrap(ChatChangedV1(chat=snap), workspace_id=snap.workspace_id, chat_id=chat_id)
        )
        self.versions[chat_id] = max(version, self.versions.get(chat_id, 0))
        return snap

    def message_view(self, chat_id: str, author: str, text: str, at: datetime, **fields: Any) -> MessageView:
        seq = fields.pop("seq", None) or self.seqs.get(chat_id, 0) + 1
        self.seqs[chat_id] = max(seq, self.seqs.get(chat_id, 0))
        author_fields = fields.pop("by", {})
        return MessageView.model_validate(
            {
                "id": fields.pop("id", None) or new_id(),
                "chat_id": chat_id,
                "seq": seq,
                "author": {"type": author, **author_fields},
                "text": text,
                "created_at": at,
                **fields,
            }
        )

    async def message(
        self, chat_id: str, author: str, text: str, at: datetime, *, updated: bool = False, **fields: Any
    ) -> MessageView:
        """Announce a message (``updated``: a change of its delivery state) at the chat's version."""
        version = fields.pop("chat_version", None) or self.versions.get(chat_id, 1)
        view = self.message_view(chat_id, author, text, at, **fields)
        contract = MessageUpdatedV1 if updated else MessageCreatedV1
        event = contract(chat_version=version, teamspace_id="ts-1", mode="live", message=view)
        await self.publish(Envelope.wrap(event, workspace_id=WS, chat_id=chat_id))
        return view

    async def delete(self, chat_id: str, workspace_id: str = WS) -> None:
        version = self.versions.get(chat_id, 0) + 1
        event = ChatDeletedV1(chat_version=version, teamspace_id="ts-1", team_ids=["t-1"], by="u-admin")
        await self.publish(Envelope.wrap(event, workspace_id=workspace_id, chat_id=chat_id))

    async def applied_before(self, chat_id: str) -> None:
        """Wait until every event published so far for ``chat_id`` was applied: a chat in the same
        partition (so after those events, in order) is announced and waited for."""
        partitions = self.settings.partitions or EXPORT_CHATS.partitions
        marker = next(
            c
            for c in (f"marker-{new_id()}" for _ in range(1000))
            if partition_of(c, partitions) == partition_of(chat_id, partitions)
        )
        await self.chat(
            marker, 1, workspace_id=USERS["foreign"].workspace_id
        )  # never in this workspace's exports
        await self.transcript_json(marker, who="foreign")

    # --- what the export API answers ---------------------------------------------------------------

    async def transcript_json(self, chat_id: str, who: str = "admin", **expect: Any) -> dict[str, Any]:
        """The chat's JSON transcript once it has the version (``version=``) and number of messages
        (``messages=``) expected."""

        async def ready() -> dict[str, Any] | None:
            response = await self.client.get(
                f"/v1/chats/{chat_id}/transcript", params={"format": "json"}, headers=self.auth(who)
            )
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            if "version" in expect and body["chat"]["version"] != expect["version"]:
                return None
            if "messages" in expect and len(body["messages"]) != expect["messages"]:
                return None
            return body

        return await eventually(ready)

    async def start_export(self, who: str, format: str, filters: dict[str, Any] | None = None) -> str:
        response = await self.client.post(
            "/v1/exports", json={"format": format, "filters": filters or {}}, headers=self.auth(who)
        )
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued"
        export_id: str = response.json()["id"]
        return export_id

    async def finished(self, who: str, export_id: str) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            response = await self.client.get(f"/v1/exports/{export_id}", headers=self.auth(who))
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            assert body["status"] not in ("failed", "deleted"), body
            return body if body["status"] == "done" else None

        return await eventually(done)

    async def export(self, who: str, format: str, filters: dict[str, Any] | None = None) -> tuple[str, str]:
        """Run an export to its end and download it: its id and the file's text."""
        export_id = await self.start_export(who, format, filters)
        await self.finished(who, export_id)
        download = await self.client.get(f"/v1/exports/{export_id}/download", headers=self.auth(who))
        assert download.status_code == 200, download.text
        return export_id, download.text


Start = Callable[..., contextlib.AbstractAsyncContextManager[World]]


@pytest.fixture
def start(env: dict[str, str]) -> Start:
    """``async with start(**setting_overrides) as world``: the service running, its directory seeded."""

    @contextlib.asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[World]:
        settings = settings_from(Settings, env, export_poll_seconds=0.2, **overrides)
        await seed_directory(settings, *USERS.values())
        app = create_app(settings)
        async with running(app) as client:
            yield World(app, client, settings)

    return run


@pytest.fixture
async def world(start: Start) -> AsyncIterator[World]:
    async with start() as running_world:
        yield running_world
