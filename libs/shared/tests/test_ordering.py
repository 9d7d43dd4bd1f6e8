"""KeyedLocks: same key in order, other keys concurrently, no leftovers."""

import asyncio

from livechat_shared.ordering import KeyedLocks


async def test_same_key_runs_in_acquisition_order_and_other_keys_do_not_wait() -> None:
    locks = KeyedLocks()
    events: list[str] = []
    release_first = asyncio.Event()

    async def work(key: str, name: str, wait: asyncio.Event | None = None) -> None:
        async with locks.hold(key):
            events.append(f"start {name}")
            if wait is not None:
                await wait.wait()
            events.append(f"end {name}")

    first = asyncio.create_task(work("a", "a1", release_first))
    await asyncio.sleep(0)
    second = asyncio.create_task(work("a", "a2"))
    other = asyncio.create_task(work("b", "b1"))
    await other  # a different key is not held up by a1
    assert events == ["start a1", "start b1", "end b1"]
    release_first.set()
    await asyncio.gather(first, second)
    assert events[3:] == ["end a1", "start a2", "end a2"]
    assert len(locks) == 0


async def test_lock_is_released_when_the_work_fails() -> None:
    locks = KeyedLocks()
    try:
        async with locks.hold("k"):
            raise ValueError("boom")
    except ValueError:
        pass
    async with asyncio.timeout(1), locks.hold("k"):
        pass
    assert len(locks) == 0
