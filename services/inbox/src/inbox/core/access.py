"""Loading a chat on behalf of a user: a chat outside their scope does not exist for them."""

from __future__ import annotations

from typing import Protocol

from livechat_shared.auth import Principal, can_see_chat
from pymongo.asynchronous.client_session import AsyncClientSession

from ..errors import ChatNotFound
from .models import Chat


class ChatReader(Protocol):
    async def get(self, chat_id: str, session: AsyncClientSession | None = None) -> Chat | None: ...


async def visible_chat(
    chats: ChatReader, user: Principal, chat_id: str, session: AsyncClientSession | None = None
) -> Chat:
    """The chat, if the user may see it; raises :class:`ChatNotFound` otherwise."""
    chat = await chats.get(chat_id, session)
    if chat is None or not can_see_chat(user, chat.scope()):
        raise ChatNotFound()
    return chat
