"""Changing a chat (description, status, custom fields) against in-memory repositories: the status
rules, If-Match, permissions and the events each change announces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from inbox.chats.rules import parse_if_match, status_change
from inbox.chats.schemas import ChatPatch
from inbox.chats.use_cases import ChatUseCases
from inbox.errors import (
    ChatNotFound,
    InvalidIfMatch,
    ManageForbidden,
    StatusNotAllowed,
    TagsRequired,
    UnknownField,
    UnknownTag,
    VersionMismatch,
)
from livechat_shared.auth import Permission, Principal, Role
from livechat_shared.contracts import ChatClosedV1, ChatPlacementChangedV1

AGENT = Principal(user_id="agent-1", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1"}))
OUTSIDER = Principal(user_id="agent-9", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-9"}))


class Fields:
    """Two definitions: ``priority`` (number) and ``vip`` (toggle)."""

    async def validate(self, workspace_id: str, teamspace_id: str, values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key not in ("priority", "vip"):
                raise UnknownField(key)
            out[key] = value
        return out


class Policies:
    def __init__(self, min_tags: int = 0) -> None:
        self.min_tags = min_tags

    async def min_tags_to_resolve(self, workspace_id: str, teamspace_id: str) -> int:
        return self.min_tags


@dataclass
class Tag:
    id: str
    teamspace_id: str


class Tags:
    """Tags ``tag-a`` and ``tag-b`` of teamspace ts-1, ``tag-x`` of ts-2."""

    async def tags_by_ids(self, workspace_id: str, ids: Sequence[str]) -> list[Tag]:
        known = {"tag-a": "ts-1", "tag-b": "ts-1", "tag-x": "ts-2"}
        return [Tag(i, known[i]) for i in ids if i in known and workspace_id == "ws-1"]


def use_cases(fakes: Any, min_tags: int = 0) -> ChatUseCases:
    return ChatUseCases(
        chats=fakes.chats,
        queries=None,  # type: ignore[arg-type]
        writer=fakes.writer,
        fields=Fields(),
        policies=Policies(min_tags),
        tags=Tags(),
    )


def kinds(fakes: Any) -> list[str]:
    return [e.type for e in fakes.db.state.outbox]


# --- rules ------------------------------------------------------------------------------------


def test_closing_hands_the_chat_to_the_ai_and_reopening_by_hand_makes_it_live() -> None:
    assert status_change(current="open", mode="live", tags=0, new="closed", min_tags_to_resolve=0) == {
        "status": "closed",
        "mode": "ai",
    }
    assert status_change(current="closed", mode="ai", tags=0, new="open", min_tags_to_resolve=0) == {
        "status": "open",
        "mode": "live",
    }
    assert status_change(current="open", mode="live", tags=0, new="pending", min_tags_to_resolve=0) == {
        "status": "pending"
    }
    assert status_change(current="resolved", mode="live", tags=0, new="resolved", min_tags_to_resolve=3) == {}


def test_overdue_is_never_set_by_hand_and_resolving_needs_the_minimum_tags() -> None:
    with pytest.raises(StatusNotAllowed):
        status_change(current="open", mode="live", tags=0, new="overdue", min_tags_to_resolve=0)
    with pytest.raises(TagsRequired, match="needs 2 tag"):
        status_change(current="open", mode="live", tags=1, new="resolved", min_tags_to_resolve=2)
    assert status_change(current="open", mode="live", tags=2, new="resolved", min_tags_to_resolve=2) == {
        "status": "resolved"
    }


@pytest.mark.parametrize(
    ("header", "version"), [(None, None), ("3", 3), ('"3"', 3), ('W/"12"', 12), (" 7 ", 7)]
)
def test_if_match_names_a_version(header: str | None, version: int | None) -> None:
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ["", "abc", "*", "-1", "1.5", '"1', "9" * 19])
def test_if_match_that_is_not_a_version_is_refused(header: str) -> None:
    with pytest.raises(InvalidIfMatch):
        parse_if_match(header)


# --- use case ---------------------------------------------------------------------------------


async def test_a_change_bumps_the_version_and_announces_the_snapshot(fakes: Any) -> None:
    chat = fakes.add_chat(mode="live", assignee_id="agent-1")
    changed = await use_cases(fakes).patch(
        AGENT, chat.id, ChatPatch(description="Wants a refund", custom_fields={"priority": 2}), if_match=1
    )
    assert (changed.description, changed.custom_fields, changed.version) == (
        "Wants a refund",
        {"priority": 2},
        2,
    )
    stored = fakes.db.state.chats[chat.id]
    assert stored.next_seq == chat.next_seq  # no message, no seq taken
    assert kinds(fakes) == ["inbox.chat.changed"]
    assert fakes.db.state.outbox[0].payload["chat"]["version"] == 2


async def test_null_clears_a_custom_field_and_a_change_to_nothing_announces_nothing(fakes: Any) -> None:
    chat = fakes.add_chat(custom_fields={"priority": 2, "vip": True})
    cleared = await use_cases(fakes).patch(AGENT, chat.id, ChatPatch(custom_fields={"priority": None}))
    assert cleared.custom_fields == {"vip": True}
    again = await use_cases(fakes).patch(
        AGENT, chat.id, ChatPatch(description="", custom_fields={"vip": True})
    )
    assert again.version == cleared.version
    assert kinds(fakes) == ["inbox.chat.changed"]


async def test_closing_announces_the_close_for_collect_feedback(fakes: Any) -> None:
    chat = fakes.add_chat(mode="live", assignee_id="agent-1")
    closed = await use_cases(fakes).patch(AGENT, chat.id, ChatPatch(status="closed"))
    assert (closed.status, closed.mode) == ("closed", "ai")
    assert kinds(fakes) == ["inbox.chat.changed", "inbox.chat.closed", "inbox.chat.placement_changed"]
    event = fakes.db.state.outbox[1].open(ChatClosedV1)
    assert (event.closed_by, event.chat_version, event.person_external_id) == ("agent-1", 2, "visitor-1")
    placement = fakes.db.state.outbox[2].open(ChatPlacementChangedV1)
    assert (placement.placement, placement.assignee_id, placement.chat_version) == ("done", None, 2)


async def test_reopening_by_hand_puts_the_chat_back_in_routing(fakes: Any) -> None:
    held = fakes.add_chat(mode="ai", status="closed", assignee_id="agent-1")
    await use_cases(fakes).patch(AGENT, held.id, ChatPatch(status="open"))
    waiting = fakes.add_chat(mode="live", status="resolved", target={"team_ids": ["t-1"]})
    await use_cases(fakes).patch(AGENT, waiting.id, ChatPatch(status="pending"))
    moves = [
        e.open(ChatPlacementChangedV1) for e in fakes.db.state.outbox if e.type.endswith("placement_changed")
    ]
    assert [(m.placement, m.assignee_id, m.target and m.target.team_ids) for m in moves] == [
        ("held", "agent-1", None),
        ("waiting", None, ["t-1"]),
    ]


async def test_a_change_that_keeps_the_placement_announces_none(fakes: Any) -> None:
    chat = fakes.add_chat(mode="live", status="open", assignee_id="agent-1")
    await use_cases(fakes).patch(AGENT, chat.id, ChatPatch(status="pending"))
    assert kinds(fakes) == ["inbox.chat.changed"]


async def test_a_stale_if_match_is_refused_and_nothing_changes(fakes: Any) -> None:
    chat = fakes.add_chat(version=4)
    with pytest.raises(VersionMismatch, match="version 4, not 3"):
        await use_cases(fakes).patch(AGENT, chat.id, ChatPatch(description="x"), if_match=3)
    assert fakes.db.state.chats[chat.id] == chat and fakes.db.state.outbox == []


async def test_refusals_change_nothing(fakes: Any) -> None:
    chat = fakes.add_chat()
    cases: list[tuple[Principal, ChatPatch, type[Exception], int]] = [
        (OUTSIDER, ChatPatch(description="x"), ChatNotFound, 0),
        (AGENT, ChatPatch(custom_fields={"colour": "red"}), UnknownField, 0),
        (AGENT, ChatPatch(status="overdue"), StatusNotAllowed, 0),
        (AGENT, ChatPatch(status="resolved"), TagsRequired, 1),
    ]
    for user, patch, error, min_tags in cases:
        with pytest.raises(error):
            await use_cases(fakes, min_tags).patch(user, chat.id, patch)
    assert fakes.db.state.chats[chat.id] == chat and fakes.db.state.outbox == []


async def test_without_the_manage_permission_a_visible_chat_is_read_only(fakes: Any) -> None:
    chat = fakes.add_chat()

    class ViewOnly(Principal):
        @property
        def permissions(self) -> frozenset[Permission]:
            return frozenset({Permission.VIEW})

    viewer = ViewOnly(user_id="v-1", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1"}))
    with pytest.raises(ManageForbidden):
        await use_cases(fakes).patch(viewer, chat.id, ChatPatch(description="x"))
    assert fakes.db.state.chats[chat.id] == chat


async def test_tags_go_on_and_off_once_each(fakes: Any) -> None:
    chat = fakes.add_chat()
    cases = use_cases(fakes)
    assert (await cases.tag(AGENT, chat.id, "tag-a")).tags == ["tag-a"]
    assert (await cases.tag(AGENT, chat.id, "tag-b")).tags == ["tag-a", "tag-b"]
    again = await cases.tag(AGENT, chat.id, "tag-a")
    assert again.tags == ["tag-a", "tag-b"] and again.version == 3  # tagged already: no change
    assert (await cases.untag(AGENT, chat.id, "tag-a")).tags == ["tag-b"]
    assert (await cases.untag(AGENT, chat.id, "tag-a")).version == 4  # not there: no change
    assert kinds(fakes) == ["inbox.chat.changed"] * 3


async def test_only_the_chats_teamspace_tags_and_only_for_those_who_see_it(fakes: Any) -> None:
    chat = fakes.add_chat()
    for tag in ("tag-x", "tag-unknown"):
        with pytest.raises(UnknownTag):
            await use_cases(fakes).tag(AGENT, chat.id, tag)
    with pytest.raises(ChatNotFound):
        await use_cases(fakes).tag(OUTSIDER, chat.id, "tag-a")
    assert fakes.db.state.chats[chat.id] == chat and fakes.db.state.outbox == []


def test_the_overdue_rule() -> None:
    from datetime import UTC, datetime, timedelta

    from inbox.chats.rules import is_overdue

    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    waited = {"waiting_since": now - timedelta(seconds=61), "limit_seconds": 60, "now": now}
    assert is_overdue(status="open", mode="live", **waited)
    assert is_overdue(status="pending", mode="live", **waited)
    assert not is_overdue(status="open", mode="ai", **waited)
    for status in ("overdue", "resolved", "closed"):
        assert not is_overdue(status=status, mode="live", **waited)  # type: ignore[arg-type]
    assert not is_overdue(
        status="open", mode="live", waiting_since=now - timedelta(seconds=60), limit_seconds=60, now=now
    )
    assert not is_overdue(status="open", mode="live", waiting_since=None, limit_seconds=60, now=now)
    assert not is_overdue(status="open", mode="live", **{**waited, "limit_seconds": 0})
