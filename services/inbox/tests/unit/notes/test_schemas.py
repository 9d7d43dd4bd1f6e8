"""What a note request accepts: a body of 1 to 5000 characters and a colour of the palette."""

from __future__ import annotations

from typing import Any

import pytest
from inbox.notes.schemas import MAX_BODY, NoteCreate, NoteUpdate
from pydantic import ValidationError


def test_a_new_note_is_yellow_unless_told() -> None:
    assert NoteCreate(body="Call back after 5").colour == "yellow"
    assert NoteCreate(body="x", colour="purple").colour == "purple"
    assert NoteCreate(body="x" * MAX_BODY).body == "x" * MAX_BODY


@pytest.mark.parametrize(
    "payload",
    [
        {"body": ""},
        {"body": "  \n\t "},
        {"body": "x" * (MAX_BODY + 1)},
        {"body": "x", "colour": "orange"},
        {"body": "x", "colour": None},
        {"colour": "green"},
        {"body": "x", "author": "someone else"},
    ],
)
def test_a_bad_new_note_is_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        NoteCreate.model_validate(payload)


def test_an_edit_changes_only_what_it_names() -> None:
    assert NoteUpdate(body="new").changes() == {"body": "new"}
    assert NoteUpdate(colour="blue").changes() == {"colour": "blue"}
    assert NoteUpdate(body="new", colour="grey").changes() == {"body": "new", "colour": "grey"}


@pytest.mark.parametrize(
    "payload",
    [{}, {"body": ""}, {"body": " "}, {"body": "x" * (MAX_BODY + 1)}, {"colour": "red"}, {"chat_id": "c"}],
)
def test_a_bad_edit_is_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        NoteUpdate.model_validate(payload)
