"""The catalog's stored settings (which are also its response bodies) and its request bodies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from livechat_shared.requests import Patch, Strict
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

FieldType = Literal["text", "number", "toggle", "dropdown", "date"]
FieldValue = str | int | float | bool | None
"""A custom field's value as JSON carries it (a date is a ``YYYY-MM-DD`` string); ``None``: no value."""

# --- stored settings --------------------------------------------------------------------------


class Setting(BaseModel):
    """A setting of one teamspace of one workspace. ``id`` is stored as ``_id``; stored fields the
    model does not know (such as the keys the unique indexes hold) are ignored when it is loaded."""

    model_config = ConfigDict(extra="ignore")

    id: str
    workspace_id: str
    teamspace_id: str

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Self:
        return cls.model_validate({**doc, "id": doc["_id"]})

    def to_doc(self) -> dict[str, Any]:
        return {"_id": self.id, **self.model_dump(exclude={"id"})}


class TagGroup(Setting):
    name: str
    created_at: datetime
    updated_at: datetime


class Tag(Setting):
    name: str
    colour: str | None = None
    group_id: str | None = None
    """The tag group it is shown in; ``None`` when ungrouped (deleting a group ungroups its tags)."""
    created_at: datetime
    updated_at: datetime
    version: int = 0
    """Grows with every change of the tag (1 when created; 0: stored before tags had versions). Each
    change is announced with it (``inbox.tag.changed.v1``), so copies keep the newest."""


class CustomFieldDefinition(Setting):
    key: str
    """The field's slug, unique in the teamspace and fixed: chats store values under it, and the
    chat table filters by ``cf.<key>``."""
    name: str
    description: str = ""
    type: FieldType
    """Fixed at creation."""
    options: list[str] = []
    """The choices of a ``dropdown`` (never empty for one); empty for every other type."""
    default: FieldValue = None
    """Fixed at creation; valid for the type (see ``rules.validate_value``)."""
    created_at: datetime
    updated_at: datetime


class CannedReply(Setting):
    shortcut: str
    """What an agent types to insert the reply; unique in the teamspace."""
    title: str
    body: str
    """May hold variables such as ``{{person.name}}``, filled in when the reply is sent."""
    created_at: datetime
    updated_at: datetime


class Alias(Setting):
    """A display name (and avatar) an agent may send replies as, instead of their own name."""

    name: str
    avatar_url: str | None = None
    created_at: datetime
    updated_at: datetime


# --- values of requests -----------------------------------------------------------------------

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Colour = Annotated[str, StringConstraints(to_lower=True, pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$")]
"""``#rgb`` or ``#rrggbb``, stored lowercased."""
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Option = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Options = Annotated[list[Option], Field(max_length=100)]
Shortcut = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]

VARIABLE = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*\s*\}\}")
"""A variable of a canned reply: ``{{person.name}}``, ``{{agent.name}}``, ``{{custom_fields.plan}}``."""


def _variables_well_formed(body: str) -> str:
    rest = VARIABLE.sub("", body)
    if "{{" in rest or "}}" in rest:
        raise ValueError("write variables as {{name}} or {{name.part}} (letters, digits, '_' and '-')")
    return body


Body = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(_variables_well_formed),
]


def _http_only(url: str) -> str:
    scheme, _, rest = url.partition(":")
    if scheme.strip().lower() not in ("http", "https") or not rest.startswith("//") or len(rest) < 3:
        raise ValueError("the avatar url must be an http(s) address")
    return url


AvatarUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_http_only)]


# --- requests ---------------------------------------------------------------------------------


class TagGroupCreate(Strict):
    teamspace_id: Id
    name: Name


class TagGroupUpdate(Patch):
    name: Name | None = None


class TagCreate(Strict):
    teamspace_id: Id
    name: Name
    colour: Colour | None = None
    group_id: Id | None = Field(default=None, description="a tag group of the same teamspace")


class TagUpdate(Patch):
    nullable = frozenset({"colour", "group_id"})

    name: Name | None = None
    colour: Colour | None = None
    group_id: Id | None = Field(default=None, description="a tag group of the same teamspace; null ungroups")


class CustomFieldCreate(Strict):
    teamspace_id: Id
    key: FieldKey
    name: Name
    description: Description = ""
    type: FieldType
    options: Options = Field(default=[], description="the choices of a dropdown (required for one only)")
    default: FieldValue = Field(default=None, description="valid for the type; fixed at creation")


FIXED_FIELDS = ("key", "type", "default")
"""What a custom field keeps from its creation: a PATCH that would change one is refused."""


class CustomFieldUpdate(Patch):
    nullable = frozenset(FIXED_FIELDS)

    name: Name | None = None
    description: Description | None = None
    options: Options | None = Field(default=None, description="dropdown only; must keep the default")
    key: Any = Field(default=None, description="fixed: a different value is refused (immutable_field)")
    type: Any = Field(default=None, description="fixed: a different value is refused (immutable_field)")
    default: Any = Field(default=None, description="fixed: a different value is refused (immutable_field)")

    def fixed(self) -> dict[str, Any]:
        """The fixed fields that were sent, with the values sent."""
        return {k: getattr(self, k) for k in FIXED_FIELDS if k in self.model_fields_set}

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, exclude=set(FIXED_FIELDS))


class CannedReplyCreate(Strict):
    teamspace_id: Id
    shortcut: Shortcut
    title: Title
    body: Body


class CannedReplyUpdate(Patch):
    shortcut: Shortcut | None = None
    title: Title | None = None
    body: Body | None = None


class AliasCreate(Strict):
    teamspace_id: Id
    name: Name
    avatar_url: AvatarUrl | None = None


class AliasUpdate(Patch):
    nullable = frozenset({"avatar_url"})

    name: Name | None = None
    avatar_url: AvatarUrl | None = None
