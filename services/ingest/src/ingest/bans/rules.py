"""Pure rules of bans at the edge."""

from __future__ import annotations

from datetime import datetime


def in_force(until: datetime | None, now: datetime) -> bool:
    """A ban with no end is in force for good; one with an end until then."""
    return until is None or now < until
