"""The AI agent's domain errors, and HTTP_STATUS: their one mapping to HTTP statuses."""

from __future__ import annotations

from collections.abc import Mapping

from livechat_shared.errors import DomainError


class WriteConflict(DomainError):
    """Concurrent changes kept winning the race; the client may retry."""

    code = "write_conflict"
    default_message = "changed concurrently; retry"


HTTP_STATUS: Mapping[type[DomainError], int] = {
    WriteConflict: 409,
}
