"""The export jobs' loop in each replica: one job at a time, woken when this replica queues one,
looking for queued and abandoned jobs every ``poll_seconds`` otherwise."""

from __future__ import annotations

import asyncio
import contextlib

from livechat_shared.telemetry import get_logger

from .use_cases import ExportJobs

log = get_logger(__name__)


class ExportWorker:
    def __init__(self, jobs: ExportJobs, poll_seconds: float) -> None:
        self.jobs, self.poll_seconds = jobs, poll_seconds
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look for work now (a job was just queued)."""
        self._wake.set()

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name="export-jobs")

    async def stop(self) -> None:
        """Stop; a job being written goes back to the queue for the next process to start again."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                while not self._stopping.is_set() and await self.jobs.run_next():
                    pass
            except Exception as exc:  # the database is away: try again at the next poll
                log.warning("export_worker_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()
