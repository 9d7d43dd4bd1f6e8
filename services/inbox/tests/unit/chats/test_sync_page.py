"""The resync's page: changed chats and deletions in one order, one cursor for both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.chats.rules import cursor_at, parse_sync_cursor, sync_page
from inbox.core.models import ChatTombstone
from livechat_shared.contracts import AppRef, ChatSnapshot

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def snapshot(chat_id: str, seconds: int) -> ChatSnapshot:
    at = T0 + timedelta(seconds=seconds)
    return ChatSnapshot.model_validate(
        {
            "id": chat_id,
            "workspace_id": "ws-1",
            "teamspace_id": "ts-1",
            "app_id": "app-1",
            "app": AppRef(id="app-1", channel="webchat", name="Web"),
            "person_id": "p-1",
            "person": {"id": "p-1", "name": "Ann"},
            "mode": "live",
            "status": "open",
            "created_at": T0,
            "updated_at": at,
            "version": 1,
        }
    )


def tombstone(chat_id: str, seconds: int) -> ChatTombstone:
    at = T0 + timedelta(seconds=seconds)
    return ChatTombstone(id=chat_id, workspace_id="ws-1", deleted_at=at, expire_at=at + timedelta(days=30))


def test_changes_and_deletions_come_in_one_order_and_the_cursor_is_the_last_one_s_place() -> None:
    page = sync_page(
        [snapshot("c-1", 1), snapshot("c-3", 3)], [tombstone("c-2", 2), tombstone("c-4", 4)], 10, "s"
    )
    assert [c.id for c in page.items] == ["c-1", "c-3"]
    assert page.deleted == ["c-2", "c-4"]
    assert page.cursor == cursor_at(T0 + timedelta(seconds=4), "c-4")
    assert parse_sync_cursor(page.cursor) == (T0 + timedelta(seconds=4), "c-4")
    assert page.more is False


def test_a_full_page_keeps_the_earliest_of_both_kinds_and_continues_after_the_last() -> None:
    # each list is read up to the limit; the page keeps the first `limit` of them together
    page = sync_page(
        [snapshot("c-1", 1), snapshot("c-4", 4)], [tombstone("c-2", 2), tombstone("c-3", 3)], 2, "s"
    )
    assert ([c.id for c in page.items], page.deleted, page.more) == (["c-1"], ["c-2"], True)
    assert page.cursor == cursor_at(T0 + timedelta(seconds=2), "c-2")


def test_ties_on_time_are_ordered_by_chat_id_whatever_the_kind() -> None:
    page = sync_page([snapshot("c-b", 5)], [tombstone("c-a", 5), tombstone("c-c", 5)], 2, "s")
    assert (page.deleted, [c.id for c in page.items]) == (["c-a"], ["c-b"])
    assert page.cursor == cursor_at(T0 + timedelta(seconds=5), "c-b")


def test_an_empty_page_keeps_the_cursor_it_was_given() -> None:
    page = sync_page([], [], 5, "2026-01-01T00:00:00Z")
    assert (page.items, page.deleted, page.cursor, page.more) == ([], [], "2026-01-01T00:00:00Z", False)
    only_deleted = sync_page([], [tombstone("c-9", 9)], 1, "x")
    assert (only_deleted.deleted, only_deleted.more) == (["c-9"], True)
