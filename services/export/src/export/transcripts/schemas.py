"""Response models of the transcripts API."""

from __future__ import annotations

from typing import Literal

from livechat_shared.contracts import ChatSnapshot, MessageView
from pydantic import BaseModel

TranscriptFormat = Literal["txt", "json"]


class Transcript(BaseModel):
    """A chat's details and every message, in the order they were stored."""

    chat: ChatSnapshot
    messages: list[MessageView]


class RenderedTranscript(BaseModel):
    """A transcript as a file: its text, media type and name."""

    body: str
    media_type: str
    filename: str
