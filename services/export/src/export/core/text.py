"""The words chats are found by: case- and accent-insensitive, matched by prefix.

A chat's words (its id, description and person's name) and its messages' words are stored with it,
normalised; a keyword search looks for stored words starting with each word of the query."""

from __future__ import annotations

import re
from collections.abc import Iterable

from livechat_shared.text import field_value_key, words

MAX_QUERY_WORDS = 8


def terms(texts: Iterable[str | None], limit: int = 500) -> list[str]:
    """The distinct words of ``texts`` (at most ``limit``), sorted: what a document stores. Words are
    split, normalised and cut as the inbox's table does (``livechat_shared.text.words``), so an
    export finds the chats the table finds."""
    found: set[str] = set()
    for text in texts:
        found.update(words(text or "", limit))
        if len(found) >= limit:
            return sorted(found)[:limit]
    return sorted(found)


def query_prefixes(q: str) -> list[str]:
    """The words of a keyword search, each of which a found chat has a word starting with."""
    return words(q, MAX_QUERY_WORDS, shortest=1)


def prefix_pattern(prefix: str) -> str:
    """The anchored pattern of a stored word starting with ``prefix`` (served by the words' index)."""
    return "^" + re.escape(prefix)


def field_values(custom_fields: dict[str, object]) -> list[str]:
    """``<key>=<value key>`` of each custom field with a value: what a chat is filtered by."""
    return [f"{k}={field_value_key(v)}" for k, v in sorted(custom_fields.items()) if v not in (None, "")]
