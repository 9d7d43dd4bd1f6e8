"""The base of every service's domain errors.

Use cases raise domain errors and know nothing of HTTP or AMQP. Each service defines its own
errors (``<service>/errors.py``) and maps them once: to an HTTP status for the API (see
``livechat_shared.web.errors``) and, through :attr:`DomainError.on_bus`, to what a bus consumer
does with the message that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

BusOutcome = Literal["ack", "reject", "retry"]
"""``ack``: the message is done with (nothing more to do); ``reject``: dead-letter it at once
(redelivery cannot help); ``retry``: nack it so it is redelivered until the delivery limit."""


class DomainError(Exception):
    """A rule of the domain refused the request. ``code`` is the machine-readable error code."""

    code: ClassVar[str] = "domain_error"
    default_message: ClassVar[str] = "the request was refused"
    on_bus: ClassVar[BusOutcome] = "reject"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


ErrorStatuses = Mapping[type[DomainError], int]
"""A service's mapping of its domain errors to HTTP statuses (the nearest class in the MRO wins)."""


class RateLimited(DomainError):
    """Too many requests from one key (an address, an app, a visitor) in the current window."""

    code = "rate_limited"
    default_message = "too many requests; retry later"
    on_bus = "retry"

    @property
    def retry_after(self) -> int:
        return int(self.details.get("retry_after", 1))
