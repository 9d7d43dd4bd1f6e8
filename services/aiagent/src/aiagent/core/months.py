"""Calendar months (UTC), the period AI interactions are counted in."""

from __future__ import annotations

from datetime import UTC, datetime


def month_of(at: datetime) -> str:
    """``at``'s calendar month in UTC, as ``YYYY-MM``."""
    return at.astimezone(UTC).strftime("%Y-%m")
