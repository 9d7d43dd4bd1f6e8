"""Pure rules of replies and delivery."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from livechat_shared.auth import ChatScope, Permission, Principal, can_act_on_chat


class ReplyDecision(StrEnum):
    SEND = "send"  # the user is the assignee
    TAKE = "take"  # nobody (or the AI) holds the chat: replying takes it
    TAKEOVER = "takeover"  # another user holds it and the caller asked to take over
    NOT_ASSIGNEE = "not_assignee"
    FORBIDDEN = "forbidden"


def decide_reply(user: Principal, chat: ChatScope, *, takeover: bool) -> ReplyDecision:
    """Send when the user holds the chat; take an unassigned one; Takeover & Send needs ``transfer``."""
    if not can_act_on_chat(user, chat, Permission.MANAGE):
        return ReplyDecision.FORBIDDEN
    if chat.assignee_id == user.user_id:
        return ReplyDecision.SEND
    if chat.assignee_id is None:
        return ReplyDecision.TAKE
    if not takeover:
        return ReplyDecision.NOT_ASSIGNEE
    return ReplyDecision.TAKEOVER if user.has(Permission.TRANSFER) else ReplyDecision.FORBIDDEN


DELIVERY_RANK = {None: 0, "pending": 0, "sent": 1, "delivered": 2, "read": 3}


def delivery_advances(current: str | None, new: str) -> bool:
    """Delivery state only moves forward (pending → sent → delivered → read); a failure counts only
    before the person got the message. Late or repeated reports change nothing."""
    if current == "failed":
        return new in ("delivered", "read")  # a retry got through after all
    if new == "failed":
        return DELIVERY_RANK[current] <= DELIVERY_RANK["sent"]
    return DELIVERY_RANK[new] > DELIVERY_RANK[current]


def client_key(chat_id: str, user_id: str, client_message_id: str) -> str:
    """The natural key of an agent's reply: the same ``client_message_id`` is stored once."""
    return f"{chat_id}:{user_id}:{client_message_id}"


_VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[A-Za-z0-9_-]+)?)\s*\}\}")


def fill_variables(
    text: str, *, person: str, agent: str, chat_id: str, custom_fields: Mapping[str, Any]
) -> str:
    """A reply's variables filled in when it is sent: ``{{person.name}}``, ``{{agent.name}}``,
    ``{{chat.id}}`` and ``{{cf.<field key>}}`` (a field without a value gives an empty string).
    Anything else between braces is left as it is, so the agent sees what was not understood."""
    values = {"person.name": person, "agent.name": agent, "chat.id": chat_id}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        if name.startswith("cf."):
            found = custom_fields.get(name[3:])
            if found is None:
                return ""
            if isinstance(found, bool):
                return "yes" if found else "no"
            return str(found)
        return match.group(0)

    return _VARIABLE.sub(value, text)
