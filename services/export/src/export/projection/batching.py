"""Group commit: events handed in concurrently are stored together.

The projection's queue has a partition per group of chats, each consumed one event at a time, the
partitions concurrently; each handler hands its event in here and waits until it is stored, and only
then is the event acked. While one group is being stored, the events that come in wait and are
stored together next: under load a group holds an event from every busy partition. A group is
started ``linger_seconds`` after its first event came (10 ms by default: the read model is for
exports, where 10 ms more do not matter and fewer, larger groups cost the database less).

One event per chat goes in a group (the repository decides each event against what is stored; two
events of one chat in one group would both be decided against the state before either): the later
waits for the next group.

When storing a group fails, each of its events is stored on its own, so one event that cannot be
stored fails alone (it is retried, then dead-lettered, by its queue) and the others are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from livechat_shared.telemetry import get_logger

log = get_logger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Entry(Generic[T, R]):
    key: str
    item: T
    done: asyncio.Future[R]


class GroupCommit(Generic[T, R]):
    """Calls ``store`` with groups of the items :meth:`submit` is given (distinct keys, at most
    ``max_group`` of them); ``store`` returns one result per item, in order."""

    def __init__(
        self,
        store: Callable[[Sequence[T]], Awaitable[list[R]]],
        max_group: int = 64,
        linger_seconds: float = 0.0,
    ) -> None:
        self.store, self.max_group, self.linger = store, max_group, linger_seconds
        self._waiting: list[_Entry[T, R]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, key: str, item: T) -> R:
        """Store ``item`` (``key``: its chat) with whatever else is waiting; its result once stored."""
        entry: _Entry[T, R] = _Entry(key, item, asyncio.get_running_loop().create_future())
        self._waiting.append(entry)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="projection-group-commit")
        return await entry.done

    def _next_group(self) -> list[_Entry[T, R]]:
        group: list[_Entry[T, R]] = []
        later: list[_Entry[T, R]] = []
        keys: set[str] = set()
        for entry in self._waiting:
            if entry.done.done():  # its handler gave up (cancelled): nothing to store for it
                continue
            if entry.key in keys or len(group) >= self.max_group:
                later.append(entry)
            else:
                keys.add(entry.key)
                group.append(entry)
        self._waiting = later
        return group

    async def _drain(self) -> None:
        group: list[_Entry[T, R]] = []
        try:
            while self._waiting:
                # the handlers woken with this one (or, lingering, soon after) hand theirs in first
                await asyncio.sleep(self.linger)
                group = self._next_group()
                if group:
                    await self._store(group)
                group = []
        except BaseException as exc:  # cancelled (the service stops): nobody waits for ever
            for entry in [*group, *self._waiting]:
                _settle(entry, exception=RuntimeError(f"the projection stopped: {exc!r}"))
            self._waiting = []
            raise

    async def _store(self, group: list[_Entry[T, R]]) -> None:
        try:
            results = await self.store([e.item for e in group])
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0], exception=exc)
                return
            log.warning("projection_group_failed", events=len(group), error=repr(exc))
            for entry in group:  # each on its own: the one that fails fails alone
                try:
                    (result,) = await self.store([entry.item])
                except Exception as single:
                    _settle(entry, exception=single)
                else:
                    _settle(entry, result=result)
            return
        for entry, result in zip(group, results, strict=True):
            _settle(entry, result=result)


def _settle(entry: _Entry[T, R], *, result: R | None = None, exception: BaseException | None = None) -> None:
    with contextlib.suppress(asyncio.InvalidStateError):  # cancelled by its handler meanwhile
        if exception is not None:
            entry.done.set_exception(exception)
        else:
            entry.done.set_result(result)  # type: ignore[arg-type]
