"""The backfill of chats stored without facets, against an in-memory store: it ends, and a chat
document it cannot read is passed over instead of stopping the rest (or being tried for ever)."""

from __future__ import annotations

from typing import Any

from inbox.core.models import Chat
from inbox.search.use_cases import SearchUseCases
from livechat_dev.testing import InMemoryTransactions

from .conftest import chat_doc


class Store:
    outbox: list[object] = []

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = {d["_id"]: d for d in docs}
        self.asked: list[int] = []


class Index(InMemoryTransactions[Store]):
    """Stored chat documents, read as the repository reads them (``Chat.from_doc``)."""

    async def chat(self, chat_id: str, session: object) -> Chat | None:
        doc = self.state.docs.get(chat_id)
        return Chat.from_doc(doc) if doc else None

    async def message_texts(self, chat_id: str, limit: int, session: object) -> list[str]:
        return ["where is my parcel"]

    async def store(self, chat_id: str, index: dict[str, list[str]], session: object) -> None:
        self.state.docs[chat_id] |= index

    async def unindexed(self, limit: int) -> list[str]:
        self.state.asked.append(limit)
        return [i for i, d in self.state.docs.items() if not d.get("facets")][:limit]


async def test_an_unreadable_chat_is_passed_over_and_the_others_are_rebuilt() -> None:
    broken = chat_doc(2) | {"status": "no-such-status"}
    index = Index(Store([chat_doc(1), broken, chat_doc(3), chat_doc(4)]))
    search = SearchUseCases(table=None, tags=None, index=index, transactions=index)  # type: ignore[arg-type]
    assert await search.backfill(batch=2) == 3
    docs = index.state.docs
    assert [i for i, d in docs.items() if d.get("facets")] == ["chat-001", "chat-003", "chat-004"]
    assert "parcel" in docs["chat-001"]["terms"]
    assert "facets" not in docs["chat-002"]
    # each query asks for room past the chats passed over, and the last one finds only those
    assert index.state.asked == [2, 3, 3]
