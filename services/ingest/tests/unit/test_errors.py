"""Every domain error of the service has its HTTP status, code and message as the API shows them."""

from __future__ import annotations

import pytest
from ingest import errors
from ingest.errors import (
    HTTP_STATUS,
    AppNotFound,
    BrokerUnavailable,
    Forbidden,
    InvalidCursor,
    InvalidSession,
    VisitorUnverified,
    WebchatAppNotFound,
)
from livechat_dev.testing import domain_errors
from livechat_shared.errors import DomainError


def test_every_domain_error_of_the_service_is_mapped() -> None:
    defined = set(domain_errors(errors))
    assert defined, "errors.py defines no domain errors"
    assert sorted(c.__name__ for c in defined - set(HTTP_STATUS)) == []


@pytest.mark.parametrize(
    ("error", "status", "code", "message", "on_bus"),
    [
        (AppNotFound, 404, "not_found", "app not found", "reject"),
        (WebchatAppNotFound, 404, "not_found", "webchat app not found", "reject"),
        (InvalidSession, 401, "invalid_session", "a valid webchat session token is required", "reject"),
        (
            VisitorUnverified,
            403,
            "visitor_unverified",
            "a session for this visitor_id needs proof: a valid session token of the same visitor "
            "(Authorization: Bearer) or the visitor_hash of the app's identity verification",
            "reject",
        ),
        (
            InvalidCursor,
            400,
            "invalid_after",
            "after must be an integer from 0 to 9007199254740991",
            "reject",
        ),
        (Forbidden, 403, "forbidden", "you may not do this", "reject"),
        (
            BrokerUnavailable,
            503,
            "broker_unavailable",
            "the message could not be accepted; retry later",
            "retry",
        ),
    ],
)
def test_error_as_the_api_and_the_bus_see_it(
    error: type[DomainError], status: int, code: str, message: str, on_bus: str
) -> None:
    raised = error()
    assert (HTTP_STATUS[error], raised.code, raised.message, raised.on_bus) == (status, code, message, on_bus)
    assert raised.details == {}
