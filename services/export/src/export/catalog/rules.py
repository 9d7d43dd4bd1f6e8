"""Pure rules of the tag copy: which announcement of a tag is newer, and what is stored of it."""

from __future__ import annotations

from typing import Any

from livechat_shared.contracts import TagChangedV1

from .schemas import TagState


def tag_change_applies(stored: TagState | None, version: int) -> bool:
    """An announcement is kept when the tag is unknown or held at an older version: the same one
    again (a redelivery) or an older one arriving late (the outbox relays events unordered after a
    crash, and republishes every tag at the inbox's start) changes nothing. A deletion is its tag's
    newest version, so nothing older brings a deleted tag back."""
    return stored is None or stored.version < version


def tag_document(workspace_id: str, event: TagChangedV1) -> dict[str, Any]:
    """The fields an announcement sets on the stored tag; a deleted tag is kept as a tombstone (its
    version, so late events stay dropped) in no group."""
    return {
        "workspace_id": workspace_id,
        "teamspace_id": event.teamspace_id,
        "name": event.name,
        "group_id": None if event.deleted else event.group_id,
        "deleted": event.deleted,
        "version": event.version,
    }
