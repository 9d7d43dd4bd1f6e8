"""Identifiers: ULIDs as strings, unique and, within one process, strictly increasing.

A plain ``ULID()`` reads the clock and the randomness separately, so two ids made across a
millisecond boundary can sort backwards. Here the timestamp never goes back and ids made in the
same millisecond increment the random part (the "monotonic" ULID of the spec).
"""

import os
import threading
import time
from datetime import UTC, datetime

from ulid import ULID

_lock = threading.Lock()
_last_ms = 0
_last_random = 0
_RANDOM_MAX = (1 << 80) - 1


def new_id() -> str:
    global _last_ms, _last_random
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms, _last_random = now_ms, int.from_bytes(os.urandom(10)) >> 1  # room to increment
        elif _last_random < _RANDOM_MAX:
            _last_random += 1
        else:  # 2^79 ids in one millisecond: borrow the next one
            _last_ms, _last_random = _last_ms + 1, int.from_bytes(os.urandom(10)) >> 1
        raw = _last_ms.to_bytes(6, "big") + _last_random.to_bytes(10, "big")
    return str(ULID.from_bytes(raw))


def utcnow() -> datetime:
    return datetime.now(UTC)
