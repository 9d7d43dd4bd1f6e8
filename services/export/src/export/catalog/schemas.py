"""What the copy reads back of a stored tag before applying an event to it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TagState(BaseModel):
    """A stored tag's workspace and version, and whether it was deleted (a tombstone)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    workspace_id: str
    version: int
    deleted: bool = False
