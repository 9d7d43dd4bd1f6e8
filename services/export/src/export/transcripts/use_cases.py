"""One chat's transcript, from the read model."""

from __future__ import annotations

from livechat_shared.auth import Principal

from ..core.store import ReadModel
from .rules import check_may_download, check_visible, render
from .schemas import RenderedTranscript, TranscriptFormat


class TranscriptUseCases:
    def __init__(self, read: ReadModel) -> None:
        self.read = read

    async def transcript(self, user: Principal, chat_id: str, format: TranscriptFormat) -> RenderedTranscript:
        """The chat's details and messages (``download``; 404 for a chat outside the user's scope)."""
        check_may_download(user)
        chat = check_visible(user, await self.read.chat(user.workspace_id, chat_id))
        messages = [m.view() async for m in self.read.transcript(chat.id)]
        return render(chat.snapshot(), messages, format)
