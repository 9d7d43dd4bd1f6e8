"""The export service's domain errors and their one mapping to HTTP statuses."""

from __future__ import annotations

from livechat_shared.errors import DomainError, ErrorStatuses


class ExportForbidden(DomainError):
    code = "forbidden"
    default_message = "exporting chats needs the export permission"


class DownloadForbidden(DomainError):
    code = "forbidden"
    default_message = "downloading transcripts needs the download permission"


class ExportNotFound(DomainError):
    """No such export, or one another user created (never reported as forbidden)."""

    code = "not_found"
    default_message = "export not found"


class ChatNotFound(DomainError):
    """No such chat, or not one the user may see (never reported as forbidden)."""

    code = "not_found"
    default_message = "chat not found"


class ExportNotReady(DomainError):
    code = "export_not_ready"
    default_message = "the export is not finished; poll GET /v1/exports/{id} until it is done"


class ExportFailed(DomainError):
    code = "export_failed"
    default_message = "the export failed; start a new one"


class ExportGone(DomainError):
    """The file expired, or was deleted because a chat in it was deleted."""

    code = "export_gone"
    default_message = "the export file is no longer available; start a new export"


class TooManyExports(DomainError):
    code = "too_many_exports"
    default_message = "you have too many exports queued or running; wait for them to finish"


class MalformedEvent(DomainError):
    """An event that does not hold what its type promises: dead-lettered (redelivery cannot help)."""

    code = "malformed_event"
    default_message = "the event does not match its contract"
    on_bus = "reject"


HTTP_STATUS: ErrorStatuses = {
    ExportForbidden: 403,
    DownloadForbidden: 403,
    ExportNotFound: 404,
    ChatNotFound: 404,
    ExportNotReady: 409,
    ExportFailed: 409,
    ExportGone: 410,
    TooManyExports: 429,
    MalformedEvent: 400,
}
