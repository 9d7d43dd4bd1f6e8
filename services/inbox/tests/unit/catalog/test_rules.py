"""The catalog's pure rules: a custom field's values, a field's options and fixed fields, and who
may read or change the teamspace's settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.catalog.rules import (
    MAX_NUMBER,
    MAX_TEXT,
    changed_fixed_fields,
    field_options,
    may_change,
    may_read,
    new_options,
    validate_value,
)
from inbox.catalog.schemas import CustomFieldDefinition
from inbox.errors import InvalidFieldDefinition, InvalidFieldValue
from livechat_shared.auth import Permission, Principal, Role

AT = datetime(2026, 1, 1, tzinfo=UTC)


def definition(type_: str, options: list[str] | None = None, **values: Any) -> CustomFieldDefinition:
    return CustomFieldDefinition.model_validate(
        {
            "id": "f-1",
            "workspace_id": "ws-1",
            "teamspace_id": "ts-1",
            "key": "plan",
            "name": "Plan",
            "type": type_,
            "options": options or [],
            "created_at": AT,
            "updated_at": AT,
            **values,
        }
    )


DROPDOWN = definition("dropdown", ["gold", "silver"])

# --- validate_value: accepted values and their normalised form --------------------------------


@pytest.mark.parametrize(
    ("type_", "value", "stored"),
    [
        ("text", "hello", "hello"),
        ("text", "  padded  ", "padded"),
        ("text", "   ", None),
        ("text", "x" * MAX_TEXT, "x" * MAX_TEXT),
        ("text", " " + "x" * MAX_TEXT + " ", "x" * MAX_TEXT),
        ("text", "emoji 👍 and ünïcode", "emoji 👍 and ünïcode"),
        ("number", 0, 0),
        ("number", -42, -42),
        ("number", 3.25, 3.25),
        ("number", MAX_NUMBER, MAX_NUMBER),
        ("number", -MAX_NUMBER, -MAX_NUMBER),
        ("toggle", True, True),
        ("toggle", False, False),
        ("date", "2026-02-28", "2026-02-28"),
        ("date", "2024-02-29", "2024-02-29"),
        ("date", "1999-12-31", "1999-12-31"),
    ],
)
def test_accepted_values(type_: str, value: object, stored: object) -> None:
    result = validate_value(definition(type_), value)
    assert result == stored and type(result) is type(stored)


@pytest.mark.parametrize("type_", ["text", "number", "toggle", "dropdown", "date"])
def test_none_is_no_value_for_every_type(type_: str) -> None:
    assert validate_value(definition(type_, ["a"] if type_ == "dropdown" else None), None) is None


def test_a_dropdown_takes_exactly_one_of_its_options() -> None:
    assert validate_value(DROPDOWN, "gold") == "gold"
    for refused in ("Gold", "gold ", "bronze", "", ["gold"], 1):
        with pytest.raises(InvalidFieldValue):
            validate_value(DROPDOWN, refused)


# --- validate_value: refused values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("text", "x" * (MAX_TEXT + 1)),
        ("text", 5),
        ("text", True),
        ("text", ["a"]),
        ("text", {"a": 1}),
        ("number", True),
        ("number", False),
        ("number", "5"),
        ("number", float("nan")),
        ("number", float("inf")),
        ("number", float("-inf")),
        ("number", MAX_NUMBER + 1),
        ("number", -(MAX_NUMBER + 1)),
        ("number", 10**30),
        ("number", 1e300),
        ("number", [1]),
        ("toggle", 1),
        ("toggle", 0),
        ("toggle", "true"),
        ("toggle", "yes"),
        ("date", "2026-02-30"),
        ("date", "2026-13-01"),
        ("date", "2026-1-01"),
        ("date", "20260101"),
        ("date", "2026-01-01T00:00:00"),
        ("date", "2026-01-01 "),
        ("date", "0000-01-01"),
        ("date", "yesterday"),
        ("date", 20260101),
        ("date", datetime(2026, 1, 1)),
    ],
)
def test_refused_values(type_: str, value: object) -> None:
    with pytest.raises(InvalidFieldValue) as refused:
        validate_value(definition(type_), value)
    assert refused.value.code == "invalid_field_value"


def test_the_refusal_names_the_field_and_what_it_takes() -> None:
    with pytest.raises(InvalidFieldValue) as refused:
        validate_value(DROPDOWN, "bronze")
    assert refused.value.message == "custom field 'Plan' (plan) must be one of 'gold', 'silver'"
    assert refused.value.details == {"field": "plan"}
    with pytest.raises(InvalidFieldValue, match=r"'Plan' \(plan\) must be a date written YYYY-MM-DD"):
        validate_value(definition("date"), "31/12/2026")


def test_a_long_option_list_is_shortened_in_the_message() -> None:
    many = definition("dropdown", [f"o{i}" for i in range(30)])
    with pytest.raises(InvalidFieldValue) as refused:
        validate_value(many, "nope")
    assert refused.value.message.endswith("'o9', ...")


def test_any_object_with_the_fields_is_a_definition() -> None:
    """Other features hand in their own view of a definition (the rule reads key, name, type, options)."""

    class View:
        key, name, type, options = "vip", "VIP", "toggle", ()

    assert validate_value(View(), True) is True
    with pytest.raises(InvalidFieldValue, match="VIP"):
        validate_value(View(), "yes")


def test_an_unknown_type_accepts_nothing_but_no_value() -> None:
    class View:
        key, name, type, options = "x", "X", "colour", ()

    assert validate_value(View(), None) is None
    with pytest.raises(InvalidFieldValue, match="known type"):
        validate_value(View(), "red")


# --- a field's options ------------------------------------------------------------------------


def test_a_dropdown_needs_distinct_options() -> None:
    assert field_options("dropdown", ["gold", "silver"]) == ["gold", "silver"]
    with pytest.raises(InvalidFieldDefinition, match="at least one option"):
        field_options("dropdown", [])
    with pytest.raises(InvalidFieldDefinition, match="given twice"):
        field_options("dropdown", ["gold", "Gold"])


@pytest.mark.parametrize("type_", ["text", "number", "toggle", "date"])
def test_only_a_dropdown_has_options(type_: str) -> None:
    assert field_options(type_, []) == []
    with pytest.raises(InvalidFieldDefinition, match="only a dropdown"):
        field_options(type_, ["a"])


def test_new_options_keep_the_default() -> None:
    with_default = definition("dropdown", ["gold", "silver"], default="gold")
    assert new_options(with_default, ["gold", "bronze"]) == ["gold", "bronze"]
    with pytest.raises(InvalidFieldDefinition, match="keep the field's default 'gold'"):
        new_options(with_default, ["silver", "bronze"])
    assert new_options(DROPDOWN, ["bronze"]) == ["bronze"]  # no default to keep
    with pytest.raises(InvalidFieldDefinition):
        new_options(with_default, [])


# --- fixed fields -----------------------------------------------------------------------------


def test_changed_fixed_fields() -> None:
    number = definition("number", default=5)
    assert changed_fixed_fields(number, {}) == []
    assert changed_fixed_fields(number, {"key": "plan", "type": "number", "default": 5}) == []
    assert changed_fixed_fields(number, {"type": "text"}) == ["type"]
    assert changed_fixed_fields(number, {"key": "tier", "default": 6}) == ["default", "key"]
    assert changed_fixed_fields(number, {"default": None}) == ["default"]
    assert changed_fixed_fields(number, {"default": 5.0}) == ["default"]  # another value's type
    assert changed_fixed_fields(definition("toggle", default=True), {"default": 1}) == ["default"]
    assert changed_fixed_fields(definition("text"), {"default": None}) == []


# --- who may read and change ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "grants", "reads", "changes"),
    [
        (Role.ADMIN, (), True, True),
        (Role.SUPERVISOR, (), True, True),
        (Role.AGENT, (), True, False),
        (Role.AGENT, (Permission.EXPORT,), True, False),
        (Role.AGENT, (Permission.SETTINGS,), True, True),
    ],
)
def test_who_may_read_and_change(
    role: Role, grants: tuple[Permission, ...], reads: bool, changes: bool
) -> None:
    user = Principal(user_id="u-1", workspace_id="ws-1", role=role, grants=frozenset(grants))
    assert (may_read(user), may_change(user)) == (reads, changes)
