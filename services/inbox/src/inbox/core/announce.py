"""The events that announce a change of a chat, built from the typed chat and message."""

from __future__ import annotations

from livechat_shared.contracts import (
    ChatChangedV1,
    ChatClosedV1,
    Envelope,
    MessageCreatedV1,
    MessageUpdatedV1,
    OutboundRequestedV1,
)

from .models import Chat, Message


def changed(chat: Chat, before: Chat | None = None) -> ChatChangedV1:
    """The snapshot event; with ``before``, the previous holders when the change moved the chat."""
    moved = before is not None and (before.assignee_id, before.team_ids) != (chat.assignee_id, chat.team_ids)
    if not moved or before is None:
        return ChatChangedV1(chat=chat.snapshot())
    return ChatChangedV1(
        chat=chat.snapshot(), previous_assignee_id=before.assignee_id, previous_team_ids=before.team_ids
    )


def message_created(
    chat: Chat,
    message: Message,
    *,
    cause: Envelope | None,
    correlation_id: str | None,
    before: Chat | None = None,
) -> list[Envelope]:
    """A new message: the chat's new snapshot, the message, and — for a message to the person (an
    agent's or the AI's) — the request to deliver it on the chat's channel. System messages (who
    transferred the chat where) are for the agents' history only."""
    snap = chat.snapshot()
    view = message.view()
    meta = {"workspace_id": chat.workspace_id, "chat_id": chat.id}
    events = [
        Envelope.wrap(changed(chat, before), **meta, causation=cause, correlation_id=correlation_id),
        Envelope.wrap(
            MessageCreatedV1(
                chat_version=snap.version,
                teamspace_id=snap.teamspace_id,
                assignee_id=snap.assignee_id,
                team_ids=snap.team_ids,
                mode=snap.mode,
                message=view,
            ),
            **meta,
            causation=cause,
            correlation_id=correlation_id,
        ),
    ]
    if message.author.type in ("agent", "ai"):
        events.append(
            Envelope.wrap(
                OutboundRequestedV1(
                    app_id=chat.app.id,
                    channel=chat.app.channel,
                    person_external_id=chat.person_external_id,
                    message=view,
                ),
                **meta,
                causation=cause,
                correlation_id=correlation_id,
            )
        )
    return events


def message_updated(chat: Chat, message: Message, *, cause: Envelope | None) -> Envelope:
    return Envelope.wrap(
        MessageUpdatedV1(
            chat_version=chat.version,
            teamspace_id=chat.teamspace_id,
            assignee_id=chat.assignee_id,
            team_ids=chat.team_ids,
            mode=chat.mode,
            message=message.view(),
        ),
        workspace_id=chat.workspace_id,
        chat_id=chat.id,
        causation=cause,
    )


def chat_changed(
    chat: Chat,
    *,
    cause: Envelope | None = None,
    correlation_id: str | None = None,
    before: Chat | None = None,
) -> Envelope:
    """The chat's new snapshot (a change with no message: details, status, fields, tags)."""
    return Envelope.wrap(
        changed(chat, before),
        workspace_id=chat.workspace_id,
        chat_id=chat.id,
        causation=cause,
        correlation_id=correlation_id,
    )


def chat_closed(
    chat: Chat, *, by: str, language: str | None = None, correlation_id: str | None = None
) -> Envelope:
    """The chat was closed: the AI agent takes it back and asks the person for a rating."""
    return Envelope.wrap(
        ChatClosedV1(
            chat_version=chat.version,
            teamspace_id=chat.teamspace_id,
            app=chat.app,
            person_external_id=chat.person_external_id,
            language=language,
            closed_by=by,
        ),
        workspace_id=chat.workspace_id,
        chat_id=chat.id,
        correlation_id=correlation_id,
    )
