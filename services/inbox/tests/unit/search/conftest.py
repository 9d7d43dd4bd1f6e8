"""A chat as the chats collection stores it, for the search feature's use-case tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

AT = datetime(2026, 1, 5, tzinfo=UTC)


def chat_doc(n: int) -> dict[str, Any]:
    """Chat ``chat-<n>`` of workspace ``ws``, as stored, without the table's facets and terms (as a
    chat stored before they existed)."""
    return {
        "_id": f"chat-{n:03d}",
        "workspace_id": "ws",
        "teamspace_id": "ts",
        "app_id": "app",
        "app": {"id": "app", "channel": "webchat", "name": "Site"},
        "person_id": "p",
        "person": {"id": "p", "name": "Ann"},
        "person_external_id": "v",
        "mode": "ai",
        "status": "open",
        "created_at": AT,
        "updated_at": AT,
        "version": 1,
        "next_seq": 1,
    }
