"""The assignment service's domain errors, and HTTP_STATUS: their one mapping to HTTP statuses."""

from __future__ import annotations

from collections.abc import Mapping

from livechat_shared.errors import DomainError


class NotFound(DomainError):
    """The object does not exist in the caller's workspace."""

    code = "not_found"
    default_message = "not found"


class WorkspaceNotFound(NotFound):
    default_message = "workspace not found"


class TeamNotFound(NotFound):
    default_message = "team not found"


class UserNotFound(NotFound):
    default_message = "user not found"


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "this needs the settings permission"


class UnknownTeamspace(DomainError):
    code = "unknown_teamspace"
    default_message = "teamspace_id names no teamspace of this workspace"


class UnknownTeam(DomainError):
    code = "unknown_team"
    default_message = "team_ids names a team that does not exist in this workspace"


class EmailTaken(DomainError):
    code = "email_taken"
    default_message = "a user with this email already exists"


HTTP_STATUS: Mapping[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    UnknownTeamspace: 422,
    UnknownTeam: 422,
    EmailTaken: 409,
}
