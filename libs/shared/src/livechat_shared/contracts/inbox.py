"""Events the inbox service (the system of record) publishes, and the views they carry."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from .aiagent import AiReplyKind
from .envelope import Contract
from .values import AppRef, Attachment, Author, Channel, ChatMode, ChatStatus, DeliveryState, HandoffTarget


class ChatSnapshot(BaseModel):
    """The full state of a chat as agents see it; ``version`` grows with every change."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    workspace_id: str
    teamspace_id: str
    app: AppRef
    person: dict[str, Any]
    mode: ChatMode
    status: ChatStatus
    assignee_id: str | None = None
    team_ids: list[str] = []
    description: str = ""
    tags: list[str] = []
    custom_fields: dict[str, Any] = {}
    rating: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None = None
    version: int


class MessageView(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    chat_id: str
    seq: int
    author: Author
    text: str
    attachments: list[Attachment] = []
    created_at: datetime
    delivery: DeliveryState | None = None
    kind: AiReplyKind | None = None
    """What an AI message is for (``None`` for the others): the rating request is
    ``feedback_request``, so a client offers its stars whatever the words (their language)."""


class ChatChangedV1(Contract):
    """A chat was created or changed; carries the whole snapshot and its ``version``. When the
    change moved the chat (its assignee or teams), ``previous_assignee_id``/``previous_team_ids``
    say who held it before, so the agents who could see it learn that it left them."""

    event_type: ClassVar[str] = "inbox.chat.changed"

    chat: ChatSnapshot
    previous_assignee_id: str | None = None
    previous_team_ids: list[str] | None = None
    """``None`` when the change did not move the chat."""


class ChatClosedV1(Contract):
    """An agent closed a chat: it is back in AI mode, and the AI agent asks the person for a rating
    (Collect Feedback) on the chat's channel."""

    event_type: ClassVar[str] = "inbox.chat.closed"

    chat_version: int
    teamspace_id: str
    app: AppRef
    person_external_id: str
    language: str | None = None
    closed_by: str
    """The user who closed it."""


class ChatTransferredV1(Contract):
    """A user moved a chat to an agent (``to_agent_id``: now its assignee) or to a team
    (``to_team_id``: pending, for the team's assignment rules to pick a member)."""

    event_type: ClassVar[str] = "inbox.chat.transferred"

    chat_version: int
    teamspace_id: str
    from_assignee_id: str | None = None
    to_agent_id: str | None = None
    to_team_id: str | None = None
    by: str
    """The user who moved it."""


class ChatDeletedV1(Contract):
    """A user deleted a chat (bulk delete): the inbox erased it, its messages, notes, attachments and
    search terms. Every service that keeps a copy of it erases its copy (the export read model and
    its files not yet downloaded, the assignment state, freeing the assignee's capacity); agents'
    lists drop it. ``assignee_id``/``team_ids`` say who could see it."""

    event_type: ClassVar[str] = "inbox.chat.deleted"

    chat_version: int
    """The chat's version after its last change, plus one: the deletion is its last change."""
    teamspace_id: str
    assignee_id: str | None = None
    team_ids: list[str] = []
    by: str
    """The user who deleted it."""


Placement = Literal["waiting", "held", "done"]
"""Where a chat stands for routing: ``waiting`` for an agent (a livechat nobody holds), ``held`` by
its assignee (counts against their capacity), ``done`` (AI mode, resolved or closed)."""


class ChatPlacementChangedV1(Contract):
    """Whether a chat waits for an agent or who holds it changed (a handoff, a transfer, a takeover,
    an assignment applied, resolved, closed, reopened): what the assignment service routes and counts
    agents' capacity by. ``chat_version`` orders a chat's placements."""

    event_type: ClassVar[str] = "inbox.chat.placement_changed"

    chat_version: int
    teamspace_id: str
    placement: Placement
    assignee_id: str | None = None
    """The agent holding the chat (``held``)."""
    target: HandoffTarget | None = None
    """Who a ``waiting`` chat may go to (the handoff's or the transfer's targets)."""
    summary: str | None = None
    """The handoff's summary for the agent, when there is one."""


class MessageEvent(Contract):
    """A message with the chat fields that decide who may see it and the chat's current version."""

    chat_version: int
    teamspace_id: str
    assignee_id: str | None = None
    team_ids: list[str] = []
    mode: ChatMode
    message: MessageView
    app_id: str | None = None
    """The chat's channel app (the AI agent answers with that app's configuration)."""
    status: ChatStatus | None = None
    language: str | None = None
    """The person's language, when the channel told it."""


class MessageCreatedV1(MessageEvent):
    """A message was stored in a chat (from a person, the AI, an agent or the system)."""

    event_type: ClassVar[str] = "inbox.message.created"


class MessageUpdatedV1(MessageEvent):
    """A stored message changed; today that is its delivery state."""

    event_type: ClassVar[str] = "inbox.message.updated"


class OutboundRequestedV1(Contract):
    """A message for the person was stored and must be delivered on the chat's channel."""

    event_type: ClassVar[str] = "inbox.outbound.requested"

    app_id: str
    channel: Channel
    person_external_id: str
    message: MessageView


NoteColour = Literal["yellow", "green", "blue", "pink", "purple", "grey"]
"""The background colours a note may have (``yellow`` unless chosen)."""


class NoteAuthor(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str | None = None


class NoteView(BaseModel):
    """An internal note on a chat, as agents see it: never sent to the person, not a message."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    chat_id: str
    body: str
    colour: NoteColour
    author: NoteAuthor
    created_at: datetime
    updated_at: datetime


class NoteChangedV1(Contract):
    """A note of a chat was created, edited or (``deleted``) removed; carries the chat fields that
    decide who may see it and the chat's version after the change."""

    event_type: ClassVar[str] = "inbox.note.changed"

    chat_id: str
    teamspace_id: str
    assignee_id: str | None = None
    team_ids: list[str] = []
    chat_version: int
    note: NoteView
    deleted: bool
    """The note was removed; ``note`` is what it was."""


class BanChangedV1(Contract):
    """A person was banned (``active``) or unbanned, so the channel edge can stop their messages.

    A person has at most one active ban: a ban replaces whatever ban the person had before (an
    override publishes only the new ban), and an unban (``active: false``) lifts the person's ban
    if it is this one. A ban also ends on its own at ``until``, with no event."""

    event_type: ClassVar[str] = "inbox.ban.changed"

    ban_id: str
    person_id: str
    app_id: str
    channel: Channel
    person_external_id: str
    """The channel's id for the person (with ``app_id``, what the edge knows them by)."""
    teamspace_id: str
    active: bool
    until: datetime | None = None
    """When the ban ends on its own; ``None``: never (a permanent ban)."""
    reason_id: str


class TagChangedV1(Contract):
    """A tag of a teamspace's catalog was created, changed (renamed, recoloured, moved into, out of
    or between tag groups — also when its group was deleted, which ungroups its tags) or, with
    ``deleted``, removed; carries the tag as it is after the change (as it was, when deleted).

    For the services that filter chats by tag group (the export's ``tag_group``), which need to know
    the tags in each group. ``version`` grows with every change of the tag, so a reader keeps the
    highest it has seen and a late or repeated event changes nothing; a deletion is the tag's last
    change (tag ids are never reused). The workspace is the envelope's."""

    event_type: ClassVar[str] = "inbox.tag.changed"

    tag_id: str
    teamspace_id: str
    name: str
    colour: str | None = None
    group_id: str | None = None
    """The tag group it is in; ``None`` when ungrouped."""
    deleted: bool
    """The tag was removed; the other fields are what it was."""
    version: int
    """The tag's version after this change (1 when created)."""
