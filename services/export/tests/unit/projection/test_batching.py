"""Group commit: what is handed in while a group is stored goes in the next group, one item per key,
and one item that cannot be stored fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from export.projection.batching import GroupCommit


class Store:
    """Records the groups it is called with; the first group waits until released."""

    def __init__(self, failing: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.groups: list[list[str]] = []
        self.failing = failing
        self.release = asyncio.Event()

    async def __call__(self, items: Sequence[str]) -> list[str]:
        self.groups.append(list(items))
        if len(self.groups) == 1:
            await self.release.wait()
        if self.failing & set(items):
            raise RuntimeError(f"cannot store {sorted(self.failing & set(items))}")
        return [f"stored {item}" for item in items]


async def until(condition: object) -> None:
    for _ in range(1000):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_items_handed_in_while_a_group_is_stored_are_stored_together_next() -> None:
    store = Store()
    commit: GroupCommit[str, str] = GroupCommit(store)
    first = asyncio.create_task(commit.submit("chat-1", "a"))
    await until(lambda: len(store.groups) == 1)
    later = [asyncio.create_task(commit.submit(f"chat-{i}", f"m{i}")) for i in range(2, 6)]
    await asyncio.sleep(0)
    store.release.set()
    assert await first == "stored a"
    assert await asyncio.gather(*later) == [f"stored m{i}" for i in range(2, 6)]
    assert store.groups == [["a"], ["m2", "m3", "m4", "m5"]]


async def test_a_group_holds_one_item_per_key_in_the_order_handed_in() -> None:
    store = Store()
    commit: GroupCommit[str, str] = GroupCommit(store)
    first = asyncio.create_task(commit.submit("chat-0", "start"))
    await until(lambda: len(store.groups) == 1)
    tasks = [
        asyncio.create_task(commit.submit(key, item))
        for key, item in [("chat-1", "x1"), ("chat-2", "y1"), ("chat-1", "x2"), ("chat-1", "x3")]
    ]
    await asyncio.sleep(0)
    store.release.set()
    await asyncio.gather(first, *tasks)
    assert store.groups[1:] == [["x1", "y1"], ["x2"], ["x3"]]


async def test_the_group_size_is_bounded() -> None:
    store = Store()
    store.release.set()
    commit: GroupCommit[str, str] = GroupCommit(store, max_group=3)
    await asyncio.gather(*(commit.submit(f"chat-{i}", str(i)) for i in range(7)))
    assert [len(group) for group in store.groups] == [3, 3, 1]
    assert sorted(item for group in store.groups for item in group) == sorted(str(i) for i in range(7))


async def test_an_item_that_cannot_be_stored_fails_alone() -> None:
    store = Store(failing={"bad"})
    store.release.set()
    commit: GroupCommit[str, str] = GroupCommit(store)
    results = await asyncio.gather(
        commit.submit("chat-1", "good"),
        commit.submit("chat-2", "bad"),
        commit.submit("chat-3", "fine"),
        return_exceptions=True,
    )
    assert results[0] == "stored good" and results[2] == "stored fine"
    assert isinstance(results[1], RuntimeError)
    assert store.groups == [["good", "bad", "fine"], ["good"], ["bad"], ["fine"]]


async def test_a_cancelled_handler_leaves_the_others_stored() -> None:
    store = Store()
    commit: GroupCommit[str, str] = GroupCommit(store)
    first = asyncio.create_task(commit.submit("chat-0", "start"))
    await until(lambda: len(store.groups) == 1)
    gone = asyncio.create_task(commit.submit("chat-1", "gone"))
    kept = asyncio.create_task(commit.submit("chat-2", "kept"))
    await asyncio.sleep(0)
    gone.cancel()
    store.release.set()
    assert await kept == "stored kept"
    await first
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert store.groups == [["start"], ["kept"]]
