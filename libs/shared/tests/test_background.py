"""A job run once in the background from the start: start does not wait for it, a failure is tried
again later, stop cancels it where it is."""

from __future__ import annotations

import asyncio

from livechat_shared.background import RetriedInBackground


async def test_the_job_runs_after_start_returns_and_is_tried_again_until_it_succeeds() -> None:
    runs: list[str] = []
    done = asyncio.Event()

    async def job() -> None:
        runs.append("run")
        if len(runs) < 3:
            raise ConnectionError("database unreachable")
        done.set()

    background = RetriedInBackground(job, retry_seconds=0.01, name="test-job")
    await background.start()
    assert runs == []  # start returned before the job ran
    assert background.task is not None
    await asyncio.wait_for(asyncio.shield(background.task), timeout=5)  # it ends after a success
    assert done.is_set() and runs == ["run", "run", "run"]
    await background.stop()


async def test_stop_cancels_a_job_that_is_still_running() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def job() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    background = RetriedInBackground(job, retry_seconds=60, name="test-job")
    await background.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    await asyncio.wait_for(background.stop(), timeout=5)
    assert cancelled.is_set() and background.task is None
