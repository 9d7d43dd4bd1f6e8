"""The AI agent's domain errors, and HTTP_STATUS: their one mapping to HTTP statuses."""

from __future__ import annotations

from collections.abc import Mapping

from livechat_shared.errors import DomainError


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "not allowed"


class SettingsReadForbidden(Forbidden):
    default_message = "reading the AI agent's settings needs the settings permission"


class SettingsChangeForbidden(Forbidden):
    default_message = "only an admin may change the AI agent's settings"


class UnknownUser(DomainError):
    code = "unknown_user"
    default_message = "handoff.target.user_ids names a user who is not an active user of this workspace"


class UnknownTeam(DomainError):
    code = "unknown_team"
    default_message = "handoff.target.team_ids names a team no active user of this workspace is in"


class WriteConflict(DomainError):
    """Concurrent changes kept winning the race; the client may retry."""

    code = "write_conflict"
    default_message = "changed concurrently; retry"
    on_bus = "retry"


class ConversationChanged(DomainError):
    """The chat's conversation changed between the decision and its commit (another replica took the
    chat's partition over): the message is handled again, from the new state."""

    code = "conversation_changed"
    default_message = "the conversation changed while the message was handled; retry"
    on_bus = "retry"


class InteractionLimitReached(DomainError):
    """The workspace reached its monthly limit of AI interactions while the message was handled: it
    is handled again, and then told the limit is reached."""

    code = "interaction_limit_reached"
    default_message = "the workspace reached its monthly limit of AI interactions; retry"
    on_bus = "retry"


class MalformedEvent(DomainError):
    """An event whose payload is not its contract: retrying cannot help (dead-lettered)."""

    code = "malformed_event"
    default_message = "the event's payload does not match its contract"
    on_bus = "reject"


HTTP_STATUS: Mapping[type[DomainError], int] = {
    Forbidden: 403,
    UnknownUser: 422,
    UnknownTeam: 422,
    WriteConflict: 409,
    ConversationChanged: 409,
    InteractionLimitReached: 409,
    MalformedEvent: 400,
}
