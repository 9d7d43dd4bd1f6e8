"""The events that announce a change of a chat, built from the typed chat and message."""

from __future__ import annotations

from livechat_shared.contracts import (
    ChatChangedV1,
    ChatClosedV1,
    ChatPlacementChangedV1,
    Envelope,
    HandoffTarget,
    MessageCreatedV1,
    MessageUpdatedV1,
    OutboundRequestedV1,
    Placement,
)

from .models import Chat, Message


def placement_of(chat: Chat) -> Placement:
    """Where the chat stands for routing: ``done`` in AI mode or once resolved or closed; a livechat
    otherwise, ``held`` by its assignee or ``waiting`` for one."""
    if chat.mode == "ai" or chat.status in ("resolved", "closed"):
        return "done"
    return "waiting" if chat.assignee_id is None else "held"


def placement_changed(
    before: Chat | None,
    after: Chat,
    *,
    cause: Envelope | None = None,
    correlation_id: str | None = None,
) -> Envelope | None:
    """The event routing needs when a change moved the chat: it started or stopped waiting, or
    another agent holds it, or (still waiting) it may now go to someone else. ``None`` when the
    change left its placement as it was. ``before`` is ``None`` for a new chat."""
    placement = placement_of(after)
    was = (placement_of(before), before.assignee_id) if before is not None else None
    retargeted = (
        before is not None
        and placement == "waiting"
        and (before.target, before.handoff_summary) != (after.target, after.handoff_summary)
    )
    if was == (placement, after.assignee_id) and not retargeted:
        return None
    if was is None and placement == "done":
        return None  # a new chat in AI mode: routing has nothing to do with it
    waiting = placement == "waiting"
    return Envelope.wrap(
        ChatPlacementChangedV1(
            chat_version=after.version,
            teamspace_id=after.teamspace_id,
            placement=placement,
            assignee_id=after.assignee_id if placement == "held" else None,
            target=(after.target or HandoffTarget()) if waiting else None,
            summary=after.handoff_summary if waiting else None,
        ),
        workspace_id=after.workspace_id,
        chat_id=after.id,
        causation=cause,
        correlation_id=correlation_id,
    )


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
    language: str | None = None,
) -> list[Envelope]:
    """A new message: the chat's new snapshot, the message, and — for a message to the person (an
    agent's or the AI's) — the request to deliver it on the chat's channel. System messages (who
    transferred the chat where) are for the agents' history only."""
    return [
        Envelope.wrap(
            changed(chat, before),
            workspace_id=chat.workspace_id,
            chat_id=chat.id,
            causation=cause,
            correlation_id=correlation_id,
        ),
        *message_events(chat, message, cause=cause, correlation_id=correlation_id, language=language),
    ]


def message_events(
    chat: Chat,
    message: Message,
    *,
    cause: Envelope | None,
    correlation_id: str | None,
    language: str | None = None,
) -> list[Envelope]:
    """The message and, for one to the person, its delivery request — without the chat's snapshot
    (for a second message stored by the same change)."""
    view = message.view()
    meta = {"workspace_id": chat.workspace_id, "chat_id": chat.id}
    events = [
        Envelope.wrap(
            MessageCreatedV1(
                chat_version=chat.version,
                teamspace_id=chat.teamspace_id,
                assignee_id=chat.assignee_id,
                team_ids=chat.team_ids,
                mode=chat.mode,
                message=view,
                app_id=chat.app_id,
                status=chat.status,
                language=language or chat.person_language,
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
            app_id=chat.app_id,
            status=chat.status,
            language=chat.person_language,
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
            language=language or chat.person_language,
            closed_by=by,
        ),
        workspace_id=chat.workspace_id,
        chat_id=chat.id,
        correlation_id=correlation_id,
    )
