"""Pure rules of the projection: which event is newer, and the documents the read model stores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livechat_shared.contracts import ChatSnapshot, DeliveryState, MessageEvent

from ..core.text import field_values, terms
from .schemas import ChatState, MessageWrite

FINISHED = ("resolved", "closed")

DELIVERY_RANK: dict[DeliveryState | None, int] = {
    None: 0,
    "pending": 1,
    "failed": 2,
    "sent": 3,
    "delivered": 4,
    "read": 5,
}
"""How far a message got: a later state is never replaced by an earlier one redelivered late."""

MESSAGE_TERMS = 200
"""Distinct words one message adds to its chat's words."""


def snapshot_applies(stored: ChatState | None, version: int, workspace_id: str | None = None) -> bool:
    """A snapshot is kept when the chat is unknown, a stub, or older than it; never once deleted,
    nor over another workspace's chat of the same id."""
    if stored is None:
        return True
    if stored.deleted or (workspace_id is not None and stored.workspace_id not in (None, workspace_id)):
        return False
    return stored.version is None or stored.version < version


def message_state_applies(stored: dict[str, Any] | None, write: MessageWrite) -> bool:
    """A message's state is kept over none, or over an earlier state of the same chat's message."""
    if stored is None:
        return True
    return bool(stored.get("chat_id") == write.chat_id and stored.get("order", -1) < write.order)


def chat_takes_message(chat: ChatState | None, workspace_id: str) -> bool:
    """A new message is kept for a chat not seen yet (it becomes a stub) or one of its workspace that
    is not deleted."""
    return chat is None or (not chat.deleted and chat.workspace_id == workspace_id)


def resolved_at(stored: ChatState | None, chat: ChatSnapshot) -> datetime | None:
    """When the chat entered its current resolved/closed status: kept from the stored state while it
    stays resolved or closed, the snapshot's change time when it just got there, ``None`` when it is
    in neither. (Snapshots lost in between make it later, never earlier.)"""
    if chat.status not in FINISHED:
        return None
    if stored is not None and stored.status in FINISHED and stored.resolved_at is not None:
        return stored.resolved_at
    return chat.updated_at


def chat_document(chat: ChatSnapshot, stored: ChatState | None) -> dict[str, Any]:
    """The fields a snapshot sets on the stored chat (its message words are left as they are)."""
    doc = chat.model_dump(mode="python", exclude={"id"})
    doc["resolved_at"] = resolved_at(stored, chat)
    doc["terms"] = terms([chat.id, chat.description, str(chat.person.get("name") or "")])
    doc["custom_field_keys"] = sorted(k for k, v in chat.custom_fields.items() if v not in (None, ""))
    doc["custom_field_values"] = field_values(chat.custom_fields)
    return doc


def message_order(chat_version: int, delivery: DeliveryState | None) -> int:
    """Orders the states of one message: by the chat's version when it was announced, then by how far
    its delivery got (a delivery update may come with the same chat version)."""
    return chat_version * 8 + DELIVERY_RANK[delivery]


def message_document(workspace_id: str, event: MessageEvent) -> dict[str, Any]:
    doc = event.message.model_dump(mode="python", exclude={"id"})
    doc["workspace_id"] = workspace_id
    doc["order"] = message_order(event.chat_version, event.message.delivery)
    return doc


def message_terms(event: MessageEvent) -> list[str]:
    return terms([event.message.text], limit=MESSAGE_TERMS)


def message_write(workspace_id: str, event: MessageEvent) -> MessageWrite:
    """What storing the event's message writes: its state, its words, what its chat counts of it."""
    message = event.message
    fields = message_document(workspace_id, event)
    return MessageWrite(
        workspace_id=workspace_id,
        chat_id=message.chat_id,
        message_id=message.id,
        fields=fields,
        order=fields["order"],
        terms=message_terms(event),
        author_type=message.author.type,
        seq=message.seq,
        created_at=message.created_at,
    )
