"""The inbox's domain errors and their one mapping to HTTP statuses."""

from __future__ import annotations

from livechat_shared.errors import DomainError, ErrorStatuses


class ChatNotFound(DomainError):
    """No such chat, or not one the user may see (never reported as forbidden)."""

    code = "not_found"
    default_message = "chat not found"


class NotAssignee(DomainError):
    code = "not_assignee"
    default_message = "another user holds this chat; reply with takeover=true"


class ReplyForbidden(DomainError):
    code = "forbidden"
    default_message = "you may not reply to this chat"


class AliasesUnavailable(DomainError):
    """``alias_id`` is refused until the aliases feature exists, rather than silently dropped."""

    code = "aliases_unavailable"
    default_message = "aliases are not available yet: send the reply without alias_id"


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    default_message = "since must be a cursor or an ISO-8601 time"


class WriteConflict(DomainError):
    """The chat kept changing under a write, more often than it is worth retrying at once."""

    code = "conflict"
    default_message = "the chat kept changing; try again"
    on_bus = "retry"


HTTP_STATUS: ErrorStatuses = {
    ChatNotFound: 404,
    NotAssignee: 409,
    ReplyForbidden: 403,
    AliasesUnavailable: 400,
    InvalidCursor: 422,
    WriteConflict: 409,
}
