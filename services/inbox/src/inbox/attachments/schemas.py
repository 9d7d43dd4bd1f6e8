"""Response model of an upload."""

from __future__ import annotations

from pydantic import BaseModel


class StoredAttachment(BaseModel):
    """What an upload answers: ``url`` is a signed link (the person and the channel fetch the file
    with it, until ``expires_at``); send the object as one of a reply's ``attachments``."""

    id: str
    url: str
    content_type: str
    name: str
    size: int
    expires_at: int
    """Epoch seconds."""
