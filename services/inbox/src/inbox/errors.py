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


class UnknownAlias(DomainError):
    code = "unknown_alias"
    default_message = "the workspace has no alias with that id"


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    default_message = "since must be a cursor or an ISO-8601 time"


class InvalidFilter(DomainError):
    """A filter of the chat table with a value it does not take; the message names the parameter."""

    code = "invalid_filter"
    default_message = "a filter has a value it does not take"


class InvalidSort(DomainError):
    code = "invalid_sort"
    default_message = "sort by created_at, updated_at or last_message_at (with '-' for newest first)"


class InvalidPage(DomainError):
    code = "invalid_page"
    default_message = "page must be a whole number from 1 and page_size one from 1 to 200"


class ManageForbidden(DomainError):
    code = "forbidden"
    default_message = "you may not change this chat (the manage permission is needed)"


class VersionMismatch(DomainError):
    """``If-Match`` named another version than the chat's current one."""

    code = "version_mismatch"
    default_message = "the chat changed since that version; read it again"


class InvalidIfMatch(DomainError):
    code = "invalid_if_match"
    default_message = "If-Match must be the chat's version, a whole number (optionally quoted)"


class StatusNotAllowed(DomainError):
    code = "invalid_status"
    default_message = "overdue is set by the reply-time rule, not by hand"


class TagsRequired(DomainError):
    """The teamspace asks for a number of tags before a chat can be resolved."""

    code = "tags_required"
    default_message = "tag the chat before resolving it"


class UnknownField(DomainError):
    code = "unknown_field"
    default_message = "the teamspace has no such custom field"


class NoteNotFound(DomainError):
    """No such note on the chat (the chat itself is visible to the user)."""

    code = "not_found"
    default_message = "note not found"


class NoteForbidden(DomainError):
    code = "forbidden"
    default_message = "only the note's author, an admin or a supervisor may change this note"


class TransferForbidden(DomainError):
    code = "forbidden"
    default_message = "only the assignee or a user with the transfer permission may transfer this chat"


class UnknownAgent(DomainError):
    code = "unknown_agent"
    default_message = "no active user of this workspace has that id"


class UnknownTeam(DomainError):
    code = "unknown_team"
    default_message = "no active user of this workspace is in that team"


class SettingNotFound(DomainError):
    """No such tag, tag group, custom field, canned reply or alias in the caller's workspace."""

    code = "not_found"
    default_message = "not found"


class SettingsForbidden(DomainError):
    code = "forbidden"
    default_message = "changing the teamspace's settings needs the settings permission"


class DuplicateSetting(DomainError):
    """The teamspace already has a tag (group) of that name, a field of that key, a canned reply of
    that shortcut."""

    code = "duplicate"
    default_message = "the teamspace already has one with this name"


class UnknownTagGroup(DomainError):
    code = "unknown_tag_group"
    default_message = "group_id names no tag group of the tag's teamspace"


class ImmutableField(DomainError):
    code = "immutable_field"
    default_message = "a custom field's key, type and default cannot change after it is created"


class InvalidFieldDefinition(DomainError):
    code = "invalid_field_definition"
    default_message = "the custom field's options do not fit its type"


class InvalidFieldValue(DomainError):
    """A value (or default) that the custom field's type does not accept; the message names the field."""

    code = "invalid_field_value"
    default_message = "the value does not fit the custom field's type"


class UnknownTag(DomainError):
    code = "unknown_tag"
    default_message = "the chat's teamspace has no tag with that id"


class InvalidWindow(DomainError):
    code = "invalid_window"
    default_message = "from must be before to, and the window at most a year of days (ten of months)"


class PersonNotFound(DomainError):
    code = "not_found"
    default_message = "person not found"


class AttachmentRefused(DomainError):
    code = "attachment_refused"
    default_message = "this file is not accepted"


class AttachmentNotFound(DomainError):
    code = "not_found"
    default_message = "attachment not found, or the link has expired"


class BanForbidden(DomainError):
    code = "forbidden"
    default_message = "banning, unbanning and reading bans need the ban permission"


class NoBanReasons(DomainError):
    """A person can be banned only once their teamspace has a ban reason to pick."""

    code = "no_ban_reasons"
    default_message = "the person's teamspace has no ban reasons yet; add one first"


class UnknownBanReason(DomainError):
    code = "unknown_reason"
    default_message = "reason_id names no ban reason of the person's teamspace"


class BanNotFound(DomainError):
    code = "not_found"
    default_message = "ban not found"


class BanNotActive(DomainError):
    """The ban expired, was overridden or was lifted already."""

    code = "ban_not_active"
    default_message = "the ban already ended"


class WriteConflict(DomainError):
    """The chat kept changing under a write, more often than it is worth retrying at once."""

    code = "conflict"
    default_message = "the chat kept changing; try again"
    on_bus = "retry"


class DeleteForbidden(DomainError):
    code = "forbidden"
    default_message = "deleting chats needs the delete permission"


HTTP_STATUS: ErrorStatuses = {
    ChatNotFound: 404,
    DeleteForbidden: 403,
    NotAssignee: 409,
    ReplyForbidden: 403,
    UnknownAlias: 422,
    InvalidCursor: 422,
    InvalidFilter: 400,
    InvalidSort: 400,
    InvalidPage: 400,
    WriteConflict: 409,
    ManageForbidden: 403,
    VersionMismatch: 412,
    InvalidIfMatch: 400,
    StatusNotAllowed: 422,
    TagsRequired: 422,
    UnknownField: 422,
    TransferForbidden: 403,
    UnknownAgent: 422,
    UnknownTeam: 422,
    UnknownTag: 422,
    InvalidWindow: 422,
    PersonNotFound: 404,
    AttachmentRefused: 415,
    AttachmentNotFound: 404,
    NoteNotFound: 404,
    NoteForbidden: 403,
    SettingNotFound: 404,
    SettingsForbidden: 403,
    DuplicateSetting: 409,
    UnknownTagGroup: 422,
    ImmutableField: 422,
    InvalidFieldDefinition: 422,
    InvalidFieldValue: 422,
    BanForbidden: 403,
    NoBanReasons: 422,
    UnknownBanReason: 422,
    BanNotFound: 404,
    BanNotActive: 409,
}
