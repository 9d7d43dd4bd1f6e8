"""Every domain error of the aiagent service has its HTTP status, code and message."""

from __future__ import annotations

import pytest
from aiagent import errors
from livechat_dev.testing import domain_errors, http_status_of
from livechat_shared.errors import DomainError

DOMAIN_ERRORS = domain_errors(errors)


def status_of(cls: type[DomainError]) -> int | None:
    return http_status_of(errors, cls)


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda c: c.__name__)
def test_every_domain_error_is_mapped(cls: type[DomainError]) -> None:
    assert status_of(cls) is not None, f"{cls.__name__} has no status in HTTP_STATUS"


@pytest.mark.parametrize(
    ("cls", "status", "code", "on_bus"),
    [
        (errors.SettingsReadForbidden, 403, "forbidden", "reject"),
        (errors.SettingsChangeForbidden, 403, "forbidden", "reject"),
        (errors.UnknownUser, 422, "unknown_user", "reject"),
        (errors.UnknownTeam, 422, "unknown_team", "reject"),
        (errors.WriteConflict, 409, "write_conflict", "retry"),
        (errors.ConversationChanged, 409, "conversation_changed", "retry"),
        (errors.InteractionLimitReached, 409, "interaction_limit_reached", "retry"),
        (errors.MalformedEvent, 400, "malformed_event", "reject"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_what_the_api_and_the_bus_do(cls: type[DomainError], status: int, code: str, on_bus: str) -> None:
    assert (status_of(cls), cls.code, cls.on_bus) == (status, code, on_bus)
