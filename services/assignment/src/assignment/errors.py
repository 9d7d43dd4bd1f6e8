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


class TeamspaceNotFound(NotFound):
    default_message = "teamspace not found"


class OperatorCallsDisabled(NotFound):
    """The operator's calls are off (``LIVECHAT_OPERATOR_KEY`` is empty): they do not exist."""


class InvalidOperatorKey(DomainError):
    code = "invalid_operator_key"
    default_message = "the X-Operator-Key header is missing or wrong"


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "only an admin may change the directory"


class BeyondOwnHolding(Forbidden):
    """The change would give (or take from) a user more than the caller holds."""

    default_message = "nobody can grant more than they hold"


class LastAdmin(DomainError):
    code = "last_admin"
    default_message = "the last active admin of the workspace cannot be demoted or deactivated"


class SettingsForbidden(Forbidden):
    default_message = "changing a teamspace's settings needs the settings permission"


class PresenceForbidden(Forbidden):
    default_message = "seeing the workspace's presence needs the view permission"


class UnknownTeamspace(DomainError):
    code = "unknown_teamspace"
    default_message = "teamspace_id names no teamspace of this workspace"


class UnknownTeam(DomainError):
    code = "unknown_team"
    default_message = "team_ids names a team that does not exist in this workspace"


class EmailTaken(DomainError):
    code = "email_taken"
    default_message = "a user with this email already exists"


class WriteConflict(DomainError):
    """Concurrent changes of the same user kept winning the race; the client may retry."""

    code = "write_conflict"
    default_message = "the user was changed concurrently; retry"


class ChatNotQueued(NotFound):
    default_message = "no chat with this id was handed to the live agents"


class AlreadyClaimed(DomainError):
    code = "already_claimed"
    default_message = "someone else was faster: the chat is no longer waiting"


class AtCapacity(DomainError):
    code = "at_capacity"
    default_message = "you already hold as many chats as your limit allows"


class NotEligible(Forbidden):
    default_message = "this chat was handed to other agents"


class LogForbidden(Forbidden):
    default_message = "the decision log is for supervisors, the assignee and the agents the chat may go to"


HTTP_STATUS: Mapping[type[DomainError], int] = {
    NotFound: 404,
    InvalidOperatorKey: 401,
    Forbidden: 403,
    LastAdmin: 409,
    UnknownTeamspace: 422,
    UnknownTeam: 422,
    EmailTaken: 409,
    WriteConflict: 409,
    AlreadyClaimed: 409,
    AtCapacity: 409,
}
