"""The limits of the catalog's request bodies, one table per body."""

from __future__ import annotations

from typing import Any

import pytest
from inbox.catalog.schemas import (
    AliasCreate,
    AliasUpdate,
    CannedReplyCreate,
    CannedReplyUpdate,
    CustomFieldCreate,
    CustomFieldUpdate,
    Tag,
    TagCreate,
    TagGroupCreate,
    TagUpdate,
)
from pydantic import BaseModel, ValidationError

TS = {"teamspace_id": "ts-1"}


def accepts(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({**TS, "name": "VIP"}, True),
        ({**TS, "name": "VIP", "colour": "#FFAA00", "group_id": "g-1"}, True),
        ({**TS, "name": "VIP", "colour": "#fa0"}, True),
        ({**TS, "name": "x" * 100}, True),
        ({**TS, "name": "x" * 101}, False),
        ({**TS, "name": ""}, False),
        ({**TS, "name": "   "}, False),
        ({"name": "VIP"}, False),
        ({**TS, "teamspace_id": ""}, False),
        ({**TS, "teamspace_id": "t" * 65, "name": "VIP"}, False),
        ({**TS, "name": "VIP", "colour": "red"}, False),
        ({**TS, "name": "VIP", "colour": "#ff00"}, False),
        ({**TS, "name": "VIP", "colour": "#ff000g"}, False),
        ({**TS, "name": "VIP", "extra": 1}, False),
        ({**TS, "name": 5}, False),
    ],
)
def test_tag_create(body: dict[str, Any], ok: bool) -> None:
    assert accepts(TagCreate, body) is ok


def test_names_are_trimmed_and_colours_lowercased() -> None:
    tag = TagCreate.model_validate({**TS, "name": "  VIP  ", "colour": "#FFAA00"})
    assert (tag.name, tag.colour) == ("VIP", "#ffaa00")


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({}, True),
        ({"name": "New"}, True),
        ({"colour": None, "group_id": None}, True),
        ({"name": None}, False),
        ({"teamspace_id": "ts-2"}, False),
        ({"id": "t-2"}, False),
    ],
)
def test_tag_update(body: dict[str, Any], ok: bool) -> None:
    assert accepts(TagUpdate, body) is ok


def test_an_update_changes_only_what_was_sent() -> None:
    assert TagUpdate.model_validate({"group_id": None}).changes() == {"group_id": None}
    assert TagUpdate.model_validate({"name": " Gold "}).changes() == {"name": "Gold"}


@pytest.mark.parametrize(
    ("body", "ok"),
    [({**TS, "name": "Billing"}, True), ({**TS, "name": ""}, False), ({**TS}, False)],
)
def test_tag_group_create(body: dict[str, Any], ok: bool) -> None:
    assert accepts(TagGroupCreate, body) is ok


FIELD = {**TS, "key": "plan", "name": "Plan", "type": "text"}


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (FIELD, True),
        ({**FIELD, "key": "order_id-2"}, True),
        ({**FIELD, "key": "a" * 40}, True),
        ({**FIELD, "key": "a" * 41}, False),
        ({**FIELD, "key": "Plan"}, False),
        ({**FIELD, "key": "1plan"}, False),
        ({**FIELD, "key": "my plan"}, False),
        ({**FIELD, "key": ""}, False),
        ({**FIELD, "type": "colour"}, False),
        ({**FIELD, "description": "x" * 500}, True),
        ({**FIELD, "description": "x" * 501}, False),
        ({**FIELD, "type": "dropdown", "options": ["a", "b"]}, True),
        ({**FIELD, "type": "dropdown", "options": ["x" * 101]}, False),
        ({**FIELD, "type": "dropdown", "options": [""]}, False),
        ({**FIELD, "type": "dropdown", "options": [f"o{i}" for i in range(101)]}, False),
        ({**FIELD, "default": "x"}, True),
        ({**FIELD, "default": 5}, True),
        ({**FIELD, "default": True}, True),
        ({**FIELD, "default": ["x"]}, False),
        ({**FIELD, "default": {"x": 1}}, False),
    ],
)
def test_custom_field_create(body: dict[str, Any], ok: bool) -> None:
    assert accepts(CustomFieldCreate, body) is ok


def test_a_default_keeps_its_json_type() -> None:
    for value in (True, 5, 2.5, "5"):
        default = CustomFieldCreate.model_validate({**FIELD, "default": value}).default
        assert default == value and type(default) is type(value)


def test_a_custom_field_update_tells_the_fixed_fields_apart() -> None:
    body = CustomFieldUpdate.model_validate({"name": "Tier", "type": "number", "default": None})
    assert body.fixed() == {"type": "number", "default": None}
    assert body.changes() == {"name": "Tier"}
    assert CustomFieldUpdate.model_validate({}).fixed() == {}
    assert not accepts(CustomFieldUpdate, {"options": None})
    assert not accepts(CustomFieldUpdate, {"teamspace_id": "ts-2"})


REPLY = {**TS, "shortcut": "hello", "title": "Greeting", "body": "Hi {{person.name}}, I am {{ agent.name }}."}


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (REPLY, True),
        ({**REPLY, "shortcut": "a"}, True),
        ({**REPLY, "shortcut": "refund_policy-2"}, True),
        ({**REPLY, "shortcut": "a" * 32}, True),
        ({**REPLY, "shortcut": "a" * 33}, False),
        ({**REPLY, "shortcut": ""}, False),
        ({**REPLY, "shortcut": "Hello"}, False),
        ({**REPLY, "shortcut": "/hello"}, False),
        ({**REPLY, "shortcut": "two words"}, False),
        ({**REPLY, "body": "x" * 5000}, True),
        ({**REPLY, "body": "x" * 5001}, False),
        ({**REPLY, "body": ""}, False),
        ({**REPLY, "body": "Plan: {{custom_fields.plan}} {{chat.id}}"}, True),
        ({**REPLY, "body": "Hi {{person name}}"}, False),
        ({**REPLY, "body": "Hi {{person.name}"}, False),
        ({**REPLY, "body": "Hi {{}}"}, False),
        ({**REPLY, "body": "Hi }} there"}, False),
        ({**REPLY, "body": "Braces { are } fine"}, True),
        ({**REPLY, "title": ""}, False),
        ({**REPLY, "title": "x" * 121}, False),
    ],
)
def test_canned_reply_create(body: dict[str, Any], ok: bool) -> None:
    assert accepts(CannedReplyCreate, body) is ok


def test_canned_reply_update() -> None:
    assert accepts(CannedReplyUpdate, {"title": "New"})
    assert not accepts(CannedReplyUpdate, {"shortcut": "Bad Shortcut"})
    assert not accepts(CannedReplyUpdate, {"body": None})


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({**TS, "name": "Support"}, True),
        ({**TS, "name": "Support", "avatar_url": "https://cdn.example/a.png"}, True),
        ({**TS, "name": "Support", "avatar_url": "http://cdn.example/a.png"}, True),
        ({**TS, "name": "Support", "avatar_url": "javascript:alert(1)"}, False),
        ({**TS, "name": "Support", "avatar_url": "data:image/png;base64,AAAA"}, False),
        ({**TS, "name": "Support", "avatar_url": "//cdn.example/a.png"}, False),
        ({**TS, "name": "Support", "avatar_url": "ftp://cdn.example/a.png"}, False),
        ({**TS, "name": "Support", "avatar_url": "https://x/" + "a" * 2048}, False),
        ({**TS, "name": ""}, False),
    ],
)
def test_alias_create(body: dict[str, Any], ok: bool) -> None:
    assert accepts(AliasCreate, body) is ok


def test_alias_update_clears_the_avatar_with_null() -> None:
    assert AliasUpdate.model_validate({"avatar_url": None}).changes() == {"avatar_url": None}
    assert not accepts(AliasUpdate, {"name": None})


def test_a_setting_is_stored_with_its_id_as_the_document_id() -> None:
    tag = Tag.model_validate(
        {
            "id": "t-1",
            "workspace_id": "ws-1",
            "teamspace_id": "ts-1",
            "name": "VIP",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
    )
    doc = tag.to_doc()
    assert doc["_id"] == "t-1" and "id" not in doc
    assert Tag.from_doc({**doc, "name_key": "vip", "holds": 3}) == tag
