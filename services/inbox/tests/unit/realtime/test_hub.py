"""The stream hub closes a socket when its token expires or its user loses access, and applies a
change of role or teams to the next frame."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from inbox.realtime.hub import StreamHub
from inbox.realtime.rules import CloseCode, refreshed
from livechat_dev.testing import directory_user
from livechat_shared.auth import ChatScope, Principal, Role
from livechat_shared.ids import utcnow

WS = "ws-1"


class Socket:
    """Stands in for an agent's WebSocket: records frames and how it was closed."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.closing = asyncio.Event()

    async def send_json(self, frame: dict[str, Any]) -> None:
        self.frames.append(frame)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)
        self.closing.set()


def agent(*, teams: tuple[str, ...] = ("t-1",), expires_in: float = 3600, version: int = 1) -> Principal:
    return Principal(
        user_id="agent-1",
        workspace_id=WS,
        role=Role.AGENT,
        teams=frozenset(teams),
        expires_at=utcnow() + timedelta(seconds=expires_in),
        directory_version=version,
    )


TEAM_2_CHAT = ChatScope(workspace_id=WS, assignee_id=None, team_ids=("t-2",))


async def test_a_socket_closes_when_its_token_expires() -> None:
    hub, ws = StreamHub(), Socket()
    hub.add(ws, agent(expires_in=0.05))  # type: ignore[arg-type]
    await asyncio.wait_for(ws.closing.wait(), timeout=5)
    assert ws.closed == (CloseCode.TOKEN_EXPIRED, "token_expired")
    await hub.send(ChatScope(workspace_id=WS, team_ids=("t-1",)), {"type": "chat.changed"})
    assert ws.frames == []  # no frame after the close


async def test_a_socket_with_a_long_token_stays_open() -> None:
    hub, ws = StreamHub(), Socket()
    hub.add(ws, agent(expires_in=3600))  # type: ignore[arg-type]
    await hub.send(ChatScope(workspace_id=WS, team_ids=("t-1",)), {"type": "chat.changed"})
    assert ws.closed is None and len(ws.frames) == 1
    hub.remove(ws)  # the timer is cancelled with the socket


async def test_deactivation_closes_the_users_sockets_only() -> None:
    hub, mine, theirs = StreamHub(), Socket(), Socket()
    hub.add(mine, agent())  # type: ignore[arg-type]
    hub.add(theirs, agent().model_copy(update={"user_id": "agent-2"}))  # type: ignore[arg-type]
    await hub.user_changed(directory_user("agent-1", WS, "agent", team_ids=("t-1",), version=2, active=False))
    assert mine.closed == (CloseCode.ACCESS_REVOKED, "access_revoked")
    assert theirs.closed is None


async def test_new_teams_apply_to_the_next_frame() -> None:
    hub, ws = StreamHub(), Socket()
    hub.add(ws, agent(teams=("t-1",)))  # type: ignore[arg-type]
    await hub.send(TEAM_2_CHAT, {"type": "chat.changed"})
    assert ws.frames == []
    await hub.user_changed(directory_user("agent-1", WS, "agent", team_ids=("t-2",), version=2))
    await hub.send(TEAM_2_CHAT, {"type": "chat.changed"})
    assert len(ws.frames) == 1 and ws.closed is None


def test_a_late_snapshot_changes_nothing() -> None:
    current = agent(teams=("t-1",), version=5)
    assert refreshed(current, directory_user("agent-1", WS, "admin", version=4)) is current
    assert refreshed(current, directory_user("agent-1", WS, "admin", version=5)) is current
    newer = refreshed(current, directory_user("agent-1", WS, "admin", version=6))
    assert newer is not None and newer.role is Role.ADMIN and newer.directory_version == 6
    assert newer.expires_at == current.expires_at
    assert refreshed(current, directory_user("agent-1", "ws-other", "admin", version=7)) is None
