"""Helpers of the export service's unit tests: a small evaluator of the MongoDB queries the service
builds (equality, ``$in``/``$nin``, ``$and``/``$or``, ranges, anchored ``$regex``), so the meaning of a query
is tested on documents without a database — the integration tests run the same queries for real —
and builders of read-model records and of the documents they are stored as."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from export.core.models import ChatRecord, MessageRecord
from livechat_shared.contracts import Author

MISSING = object()
T0 = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def _get(doc: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return MISSING
        doc = doc[part]
    return doc


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):  # MongoDB: true is not 1
        return type(a) is type(b) and a == b
    return bool(a == b)


def _equals(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return value is MISSING or value is None
    if value is MISSING:
        return False
    if isinstance(value, list) and not isinstance(wanted, list):
        return any(_same(v, wanted) for v in value)
    return _same(value, wanted)


def _condition(value: Any, condition: Any) -> bool:
    if not (isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition)):
        return _equals(value, condition)
    for op, arg in condition.items():
        if op == "$in":
            ok = any(_equals(value, a) for a in arg)
        elif op == "$nin":
            ok = not any(_equals(value, a) for a in arg)
        elif op == "$ne":
            ok = not _equals(value, arg)
        elif op in ("$gte", "$lte", "$lt", "$gt"):
            present = value is not MISSING and value is not None
            compare = {"$gte": "__ge__", "$lte": "__le__", "$lt": "__lt__", "$gt": "__gt__"}[op]
            ok = present and getattr(value, compare)(arg) is True
        elif op == "$regex":
            texts = value if isinstance(value, list) else [value]
            ok = any(isinstance(t, str) and re.search(arg, t) for t in texts)
        else:
            raise AssertionError(f"the test evaluator does not know {op}")
        if not ok:
            return False
    return True


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, condition in query.items():
        if key == "$and":
            ok = all(matches(doc, q) for q in condition)
        elif key == "$or":
            ok = any(matches(doc, q) for q in condition)
        else:
            ok = _condition(_get(doc, key), condition)
        if not ok:
            return False
    return True


@pytest.fixture
def match() -> Callable[[dict[str, Any], dict[str, Any]], bool]:
    return matches


def chat_record(**fields: Any) -> ChatRecord:
    values: dict[str, Any] = {
        "_id": "chat-1",
        "workspace_id": "ws-1",
        "teamspace_id": "ts-1",
        "app": {"id": "app-1", "channel": "webchat", "name": "Support"},
        "person": {"id": "p-1", "name": "Ann"},
        "mode": "live",
        "status": "open",
        "created_at": T0,
        "updated_at": T0,
        "version": 3,
    }
    return ChatRecord.model_validate({**values, **fields})


def message(seq: int, author: str, at: datetime, text: str = "hi", **fields: Any) -> MessageRecord:
    return MessageRecord.model_validate(
        {
            "_id": f"m-{seq}",
            "workspace_id": "ws-1",
            "chat_id": "chat-1",
            "seq": seq,
            "author": Author.model_validate({"type": author, **fields.pop("by", {})}),
            "text": text,
            "created_at": at,
            **fields,
        }
    )


def chat_doc(**fields: Any) -> dict[str, Any]:
    """A chat's stored document, as an export reads it (a fresh dict each time)."""
    return chat_record(**fields).model_dump(by_alias=True) | {
        k: v for k, v in fields.items() if k not in ChatRecord.model_fields and k != "_id"
    }


def message_doc(seq: int, author: str, at: datetime, text: str = "hi", **fields: Any) -> dict[str, Any]:
    """A message's stored document, as an export reads it."""
    return message(seq, author, at, text, **fields).model_dump(by_alias=True)


@pytest.fixture
def make_chat() -> Callable[..., ChatRecord]:
    return chat_record


@pytest.fixture
def make_chat_doc() -> Callable[..., dict[str, Any]]:
    return chat_doc


@pytest.fixture
def make_message_doc() -> Callable[..., dict[str, Any]]:
    return message_doc


@pytest.fixture
def make_message() -> Callable[..., MessageRecord]:
    return message
