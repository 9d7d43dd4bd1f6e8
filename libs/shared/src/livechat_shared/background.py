"""A job run once in the background from the service's start, tried again until it succeeds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from .telemetry import get_logger

log = get_logger(__name__)


class RetriedInBackground:
    """Runs ``job`` from :meth:`start` without delaying it (a task), until the job returns once: a
    failure (the database unreachable, say) is logged and the job runs again ``retry_seconds``
    later, so it never stops the service. :meth:`stop` cancels it wherever it is — a transaction
    it was in is aborted — rather than waiting for a long job to finish.

    (``Runtime.every`` suits jobs that run for ever; this one is done after one success:
    ``Runtime.once`` registers one.)"""

    def __init__(self, job: Callable[[], Awaitable[object]], retry_seconds: float, name: str) -> None:
        self.job = job
        self.retry_seconds = retry_seconds
        self.name = name
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.wait({self.task})
            self.task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.job()
                return
            except Exception as exc:
                log.warning("background_job_failed", job=self.name, error=repr(exc), retry=self.retry_seconds)
            await asyncio.sleep(self.retry_seconds)
