"""Pure rules of the catalog: who may change it, what a custom field accepts, and how a tag's
change is announced.

:func:`validate_value` is the one rule for a custom field's value, used here for a definition's
default and by other features (through a port wired in ``app.py``) for a chat's values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from livechat_shared.auth import Permission, Principal
from livechat_shared.contracts import TagChangedV1

from ..errors import InvalidFieldDefinition, InvalidFieldValue
from .schemas import CustomFieldDefinition, FieldValue, Tag

MAX_TEXT = 2000
"""The longest text value, in characters (after surrounding whitespace is removed)."""
MAX_NUMBER = 2**53 - 1
"""Numbers are kept within what every JSON client reads exactly (and the database stores)."""
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def may_read(user: Principal) -> bool:
    """Agents need the teamspace's tags, fields, canned replies and aliases while working chats:
    every user of the workspace with ``view`` may list them."""
    return user.has(Permission.VIEW)


def may_change(user: Principal) -> bool:
    """Creating, changing and deleting them is a change of the teamspace's settings."""
    return user.has(Permission.SETTINGS)


def tag_changed(tag: Tag, *, deleted: bool = False) -> TagChangedV1:
    """The announcement of ``tag`` as it is after a change, for the copies that group chats' tags
    (the export's ``tag_group`` filter). A deletion carries the tag as it was, as its next version:
    it is the tag's last change (tag ids are never used again), so no late event brings it back."""
    return TagChangedV1(
        tag_id=tag.id,
        teamspace_id=tag.teamspace_id,
        name=tag.name,
        colour=tag.colour,
        group_id=tag.group_id,
        deleted=deleted,
        version=tag.version + 1 if deleted else tag.version,
    )


class FieldSpec(Protocol):
    """What :func:`validate_value` reads of a custom field definition."""

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def options(self) -> Sequence[str]: ...


def _listed(options: Sequence[str], at_most: int = 10) -> str:
    shown = ", ".join(repr(o) for o in options[:at_most])
    return shown + (", ..." if len(options) > at_most else "")


def validate_value(definition: FieldSpec, value: object) -> FieldValue:
    """``value`` as a chat stores it for the field ``definition`` describes, or
    :class:`~inbox.errors.InvalidFieldValue` naming the field.

    - ``None`` is no value, for every type;
    - text: a string of at most :data:`MAX_TEXT` characters, without surrounding whitespace
      (a blank one is no value);
    - number: an int or a float (not a bool), finite, at most :data:`MAX_NUMBER` either way;
    - toggle: a bool;
    - dropdown: one of the definition's options, exactly;
    - date: an ISO date string ``YYYY-MM-DD`` naming a real day.
    """
    if value is None:
        return None
    kind = definition.type
    if kind == "text":
        if isinstance(value, str) and len(text := value.strip()) <= MAX_TEXT:
            return text or None
        expected = f"text of at most {MAX_TEXT} characters"
    elif kind == "number":
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and abs(value) <= MAX_NUMBER
        ):
            return value
        expected = f"a number between -{MAX_NUMBER} and {MAX_NUMBER}"
    elif kind == "toggle":
        if isinstance(value, bool):
            return value
        expected = "true or false"
    elif kind == "dropdown":
        if isinstance(value, str) and value in definition.options:
            return value
        expected = f"one of {_listed(definition.options)}"
    elif kind == "date":
        if isinstance(value, str) and ISO_DATE.fullmatch(value) and _is_day(value):
            return value
        expected = "a date written YYYY-MM-DD"
    else:
        expected = f"a value of a known type (not {kind!r})"
    raise InvalidFieldValue(
        f"custom field {definition.name!r} ({definition.key}) must be {expected}", field=definition.key
    )


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def field_options(kind: str, options: Sequence[str]) -> list[str]:
    """The options a field of type ``kind`` keeps: a dropdown needs at least one, each once
    (ignoring case); no other type has any."""
    if kind != "dropdown":
        if options:
            raise InvalidFieldDefinition(f"only a dropdown has options, not a {kind} field")
        return []
    if not options:
        raise InvalidFieldDefinition("a dropdown needs at least one option")
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            raise InvalidFieldDefinition(f"the option {option!r} is given twice")
        seen.add(option.casefold())
    return list(options)


def new_options(definition: CustomFieldDefinition, options: Sequence[str]) -> list[str]:
    """The options a PATCH gives an existing field; they must keep its (fixed) default."""
    kept = field_options(definition.type, options)
    if definition.default is not None and definition.type == "dropdown" and definition.default not in kept:
        raise InvalidFieldDefinition(f"the options must keep the field's default {definition.default!r}")
    return kept


def changed_fixed_fields(definition: CustomFieldDefinition, sent: Mapping[str, Any]) -> list[str]:
    """The fixed fields (``key``, ``type``, ``default``) that ``sent`` would change. Sending the
    stored value back is no change (a client may send the whole definition)."""
    return sorted(k for k, v in sent.items() if not _same(getattr(definition, k), v))


def _same(stored: object, sent: object) -> bool:
    return type(stored) is type(sent) and stored == sent
