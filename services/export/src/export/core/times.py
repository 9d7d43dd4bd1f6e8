"""Times as exports and transcripts write them."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(at: datetime) -> datetime:
    """``at`` in UTC (a time without a zone is taken as UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def iso(at: datetime | None) -> str:
    """ISO-8601 UTC with a ``Z`` (empty when unknown): ``2024-05-01T10:00:00Z``."""
    if at is None:
        return ""
    return utc(at).isoformat().replace("+00:00", "Z")
