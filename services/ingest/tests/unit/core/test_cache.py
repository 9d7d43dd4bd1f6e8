"""The bounded cache the repositories keep apps and sessions in."""

from __future__ import annotations

from ingest.core.cache import LruCache


def test_the_least_recently_used_entry_leaves_first() -> None:
    cache: LruCache[str, int] = LruCache(capacity=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)


def test_an_entry_older_than_max_age_is_gone() -> None:
    now = [100.0]
    cache: LruCache[str, int] = LruCache(capacity=10, max_age=5, clock=lambda: now[0])
    cache.put("a", 1)
    now[0] = 104.9
    assert cache.get("a") == 1
    now[0] = 105.0
    assert cache.get("a") is None and len(cache) == 0


def test_discard_and_a_cache_of_no_size() -> None:
    cache: LruCache[str, int] = LruCache(capacity=0)
    cache.put("a", 1)
    assert cache.get("a") is None
    sized: LruCache[str, int] = LruCache(capacity=1)
    sized.put("a", 1)
    sized.discard("a")
    sized.discard("missing")
    assert sized.get("a") is None
