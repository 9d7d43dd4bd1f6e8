"""Pure rules of the inbox: what a chat looks like to the API and the bus, and who sees what."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from livechat_shared.auth import ChatScope, Principal, Role
from livechat_shared.events import Attachment, Author, ChatSnapshot, MessageView
from pydantic import BaseModel, ConfigDict, Field, model_validator


def visibility_filter(user: Principal) -> dict[str, Any]:
    """The MongoDB filter equivalent of :func:`livechat_shared.auth.can_see_chat` for list queries."""
    base: dict[str, Any] = {"workspace_id": user.workspace_id}
    if user.role is Role.ADMIN:
        return base
    teams = sorted(user.teams)
    if user.role is Role.SUPERVISOR:
        return {**base, "$or": [{"assignee_id": user.user_id}, {"team_ids": {"$in": teams}}]}
    return {**base, "$or": [{"assignee_id": user.user_id}, {"assignee_id": None, "team_ids": {"$in": teams}}]}


def scope_of(chat: dict[str, Any]) -> ChatScope:
    return ChatScope(
        workspace_id=chat["workspace_id"],
        assignee_id=chat.get("assignee_id"),
        team_ids=tuple(chat.get("team_ids", ())),
    )


def snapshot(chat: dict[str, Any]) -> ChatSnapshot:
    return ChatSnapshot(
        id=chat["_id"],
        workspace_id=chat["workspace_id"],
        teamspace_id=chat["teamspace_id"],
        app=chat["app"],
        person=chat["person"],
        mode=chat["mode"],
        status=chat["status"],
        assignee_id=chat.get("assignee_id"),
        team_ids=chat.get("team_ids", []),
        description=chat.get("description", ""),
        tags=chat.get("tags", []),
        custom_fields=chat.get("custom_fields", {}),
        rating=chat.get("rating"),
        created_at=chat["created_at"],
        updated_at=chat["updated_at"],
        last_message_at=chat.get("last_message_at"),
        version=chat["version"],
    )


def message_view(doc: dict[str, Any]) -> MessageView:
    return MessageView(
        id=doc["_id"],
        chat_id=doc["chat_id"],
        seq=doc["seq"],
        author=Author(**doc["author"]),
        text=doc.get("text", ""),
        attachments=doc.get("attachments", []),
        created_at=doc["created_at"],
        delivery=doc.get("delivery"),
    )


DELIVERY_RANK = {None: 0, "pending": 0, "sent": 1, "delivered": 2, "read": 3}


def delivery_advances(current: str | None, new: str) -> bool:
    """Delivery state only moves forward (pending → sent → delivered → read); a failure counts only
    before the person got the message. Late or repeated reports change nothing."""
    if current == "failed":
        return new in ("delivered", "read")  # a retry got through after all
    if new == "failed":
        return DELIVERY_RANK[current] <= DELIVERY_RANK["sent"]
    return DELIVERY_RANK[new] > DELIVERY_RANK[current]


def sync_cursor(chat: dict[str, Any]) -> str:
    """Where a sync page ended: the last chat's change time and id (ties on time are ordered by id)."""
    return f"{chat['updated_at'].astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}~{chat['_id']}"


def parse_sync_cursor(value: str) -> tuple[datetime, str]:
    """A cursor from :func:`sync_cursor`, or a plain ISO time to start from. Raises ValueError."""
    at_text, _, chat_id = value.partition("~")
    at = datetime.fromisoformat(at_text)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)), chat_id


def display_name(name: str | None) -> str:
    return name or "Unknown"


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=4096)
    attachments: list[Attachment] = Field(default=[], max_length=10)
    alias_id: str | None = None
    client_message_id: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _not_empty(self) -> ReplyCreate:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a reply needs text or at least one attachment")
        return self
