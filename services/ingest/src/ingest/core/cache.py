"""A bounded least-recently-used cache of entities that do not change once stored (channel apps,
webchat sessions), so the hot path of a person's message reads them from memory."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most ``capacity`` entries (the least recently used one leaves first), each kept for at most
    ``max_age`` seconds. Only what was found is cached: an unknown key is asked again every time, so
    an entity stored later (by another replica) is seen at once."""

    def __init__(
        self, capacity: int, max_age: float = float("inf"), clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.max_age = max_age
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if self.capacity <= 0:
            return
        self._entries[key] = (self.clock() + self.max_age, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def discard(self, key: K) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


def as_stored(moment: datetime) -> datetime:
    """``moment`` as the database gives it back (to the millisecond): what an entity cached when it
    is stored must hold, so every replica serves the same values."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
