"""Text as the chat table compares it, in every service that filters chats (the inbox's table and
the export's filters must agree): case and accents ignored, the same words, a custom field's value
in one form."""

from __future__ import annotations

import math
import re
import unicodedata

MAX_FIELD_VALUE = 100
"""A custom field's value is compared by its first characters."""
MIN_WORD = 2
"""Shorter words are not stored (a one-letter query still matches longer words by prefix)."""
MAX_WORD = 32
"""Longer words are stored (and searched) by their first characters."""
SCANNED_CHARS = 10_000
"""Words are taken from the start of a text only."""

_WORD = re.compile(r"[^\W_]+")
"""Letters and digits: ``order_123`` and ``order-123`` are the words ``order`` and ``123``."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")


def normalise(text: str) -> str:
    """Lower case (``casefold``: "Straße" is "strasse"), compatibility forms folded ("ﬁ" is "fi")
    and accents stripped ("Café" is "cafe")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str, limit: int, *, shortest: int = MIN_WORD) -> list[str]:
    """The distinct normalised words of ``text`` (letters and digits), in order, at most ``limit``,
    each cut to :data:`MAX_WORD` characters; ``shortest`` 1 for a query's words."""
    found: dict[str, None] = {}
    for match in _WORD.finditer(normalise(text[:SCANNED_CHARS])):
        word = match.group()[:MAX_WORD]
        if len(word) >= shortest:
            found.setdefault(word)
            if len(found) >= limit:
                break
    return list(found)


def field_value_key(value: object) -> str:
    """A custom field's value as filters compare it: numbers in one form (``5``, ``5.0`` and ``"5"``
    are the same), ``true``/``false``, text normalised (case, accents, spaces) and cut to
    :data:`MAX_FIELD_VALUE` characters; a date is its ``YYYY-MM-DD`` text."""
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


def _number(value: float) -> str:
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 2**63:
        return str(int(value))
    return repr(float(value))
