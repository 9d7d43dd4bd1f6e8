"""Every domain error of the assignment service has its HTTP status, code and message."""

from __future__ import annotations

import pytest
from assignment import errors
from livechat_dev.testing import domain_errors, http_status_of
from livechat_shared.errors import DomainError

DOMAIN_ERRORS = domain_errors(errors)


def status_of(cls: type[DomainError]) -> int | None:
    return http_status_of(errors, cls)


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda c: c.__name__)
def test_every_domain_error_is_mapped(cls: type[DomainError]) -> None:
    assert status_of(cls) is not None, f"{cls.__name__} has no status in HTTP_STATUS"


@pytest.mark.parametrize(
    ("cls", "status", "code", "message"),
    [
        (errors.WorkspaceNotFound, 404, "not_found", "workspace not found"),
        (errors.TeamNotFound, 404, "not_found", "team not found"),
        (errors.UserNotFound, 404, "not_found", "user not found"),
        (errors.Forbidden, 403, "forbidden", "only an admin may change the directory"),
        (errors.BeyondOwnHolding, 403, "forbidden", "nobody can grant more than they hold"),
        (
            errors.LastAdmin,
            409,
            "last_admin",
            "the last active admin of the workspace cannot be demoted or deactivated",
        ),
        (errors.OperatorCallsDisabled, 404, "not_found", "not found"),
        (
            errors.InvalidOperatorKey,
            401,
            "invalid_operator_key",
            "the X-Operator-Key header is missing or wrong",
        ),
        (errors.WriteConflict, 409, "write_conflict", "the user was changed concurrently; retry"),
        (
            errors.UnknownTeamspace,
            422,
            "unknown_teamspace",
            "teamspace_id names no teamspace of this workspace",
        ),
        (
            errors.UnknownTeam,
            422,
            "unknown_team",
            "team_ids names a team that does not exist in this workspace",
        ),
        (errors.EmailTaken, 409, "email_taken", "a user with this email already exists"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_what_the_api_shows(cls: type[DomainError], status: int, code: str, message: str) -> None:
    error = cls()
    assert (status_of(cls), error.code, error.message) == (status, code, message)
