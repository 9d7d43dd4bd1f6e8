"""The events that announce a change of a chat, built from the typed chat and message."""

from __future__ import annotations

from livechat_shared.contracts import (
    ChatChangedV1,
    Envelope,
    MessageCreatedV1,
    MessageUpdatedV1,
    OutboundRequestedV1,
)

from .models import Chat, Message


def message_created(
    chat: Chat, message: Message, *, cause: Envelope | None, correlation_id: str | None
) -> list[Envelope]:
    """A new message: the chat's new snapshot, the message, and — for a message to the person —
    the request to deliver it on the chat's channel."""
    snap = chat.snapshot()
    view = message.view()
    meta = {"workspace_id": chat.workspace_id, "chat_id": chat.id}
    events = [
        Envelope.wrap(ChatChangedV1(chat=snap), **meta, causation=cause, correlation_id=correlation_id),
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
    if message.author.type in ("agent", "ai", "system"):
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
