"""Identifiers: ULIDs as strings, unique and sortable by creation time."""

from datetime import UTC, datetime

from ulid import ULID


def new_id() -> str:
    return str(ULID())


def utcnow() -> datetime:
    return datetime.now(UTC)
