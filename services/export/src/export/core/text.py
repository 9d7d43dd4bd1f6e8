"""The words chats are found by: case- and accent-insensitive, matched by prefix.

A chat's words (its id, description and person's name) and its messages' words are stored with it,
normalised; a keyword search looks for stored words starting with each word of the query."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

MAX_WORD = 40
"""Longer words are stored cut to this length (a prefix of a longer word still finds it)."""
MAX_QUERY_WORDS = 8
MAX_FIELD_VALUE = 100

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Lower case, accents taken off: ``"Crème Brûlée"`` -> ``"creme brulee"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The normalised words of ``text``, each at most :data:`MAX_WORD` characters, in order."""
    return [w[:MAX_WORD] for w in _WORD.findall(normalise(text))]


def terms(texts: Iterable[str | None], limit: int = 500) -> list[str]:
    """The distinct words of ``texts`` (at most ``limit``), sorted: what a document stores."""
    found: set[str] = set()
    for text in texts:
        for word in words(text or ""):
            found.add(word)
            if len(found) >= limit:
                return sorted(found)
    return sorted(found)


def query_prefixes(q: str) -> list[str]:
    """The words of a keyword search, each of which a found chat has a word starting with."""
    return list(dict.fromkeys(words(q)))[:MAX_QUERY_WORDS]


def prefix_pattern(prefix: str) -> str:
    """The anchored pattern of a stored word starting with ``prefix`` (served by the words' index)."""
    return "^" + re.escape(prefix)


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")


def _number(value: float) -> str:
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 2**63:
        return str(int(value))
    return repr(float(value))


def field_value_key(value: object) -> str:
    """A custom field's value as a filter compares it — as the inbox's table does: numbers in one form
    (``5``, ``5.0`` and ``"5"`` are the same), ``true``/``false``, text normalised (case, accents,
    spaces) and cut to :data:`MAX_FIELD_VALUE` characters."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    text = " ".join(normalise(str(value)).split())
    if _NUMBER.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return _number(number)
    return text[:MAX_FIELD_VALUE]


def field_values(custom_fields: dict[str, object]) -> list[str]:
    """``<key>=<value key>`` of each custom field with a value: what a chat is filtered by."""
    return [f"{k}={field_value_key(v)}" for k, v in sorted(custom_fields.items()) if v not in (None, "")]
