"""Request models of the notes API, and the stored note (converted at the repository boundary)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from livechat_shared.contracts import NoteAuthor, NoteColour, NoteView
from livechat_shared.mongo import Document
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_BODY = 5000
"""The longest note body, in characters."""


def _not_blank(body: str) -> str:
    if not body.strip():
        raise ValueError("a note needs some text")
    return body


NoteBody = Annotated[str, Field(min_length=1, max_length=MAX_BODY), AfterValidator(_not_blank)]
"""1 to 5000 characters, not only blanks."""


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: NoteBody
    colour: NoteColour = "yellow"


class NoteUpdate(BaseModel):
    """What to change; at least one field, and a field that is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    body: NoteBody | None = None
    colour: NoteColour | None = None

    @model_validator(mode="after")
    def _something(self) -> NoteUpdate:
        if self.body is None and self.colour is None:
            raise ValueError("give a body or a colour to change")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Note(Document):
    """An internal note on a chat."""

    workspace_id: str
    chat_id: str
    body: str
    colour: NoteColour
    author: NoteAuthor
    created_at: datetime
    updated_at: datetime

    def view(self) -> NoteView:
        """The note as agents and the bus see it."""
        return NoteView.model_validate(self.model_dump())
