"""The stored ban reasons, ban rules, bans and audit entries (reasons, rules and audit entries are
also response bodies), and the request bodies of the banning API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from livechat_shared.contracts import Channel
from livechat_shared.requests import Patch, Strict
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

MAX_MINUTES = 3653 * 24 * 60
"""The longest ban with a length, in minutes (ten years); anything longer is a permanent ban."""
MAX_OFFENCES = 1000
"""The highest offence count a rule may name."""

EndedReason = Literal["overridden", "unbanned"]
_CHANNEL: TypeAdapter[Channel] = TypeAdapter(Channel)


def channel(value: str) -> Channel:
    """A person's channel (stored as a string) as the contracts name it."""
    return _CHANNEL.validate_python(value)


AuditAction = Literal["ban", "override", "unban"]

# --- stored -----------------------------------------------------------------------------------


class Stored(BaseModel):
    """An entity of one workspace; ``id`` is stored as ``_id``, and stored fields the model does not
    know (such as the keys the unique indexes hold) are ignored when it is loaded."""

    model_config = ConfigDict(extra="ignore")

    id: str
    workspace_id: str

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Self:
        return cls.model_validate({**doc, "id": doc["_id"]})

    def to_doc(self) -> dict[str, Any]:
        return {"_id": self.id, **self.model_dump(exclude={"id"})}


class BanReason(Stored):
    """A reason a person of the teamspace may be banned for; its name is unique in the teamspace."""

    teamspace_id: str
    name: str
    created_at: datetime
    updated_at: datetime


class BanRule(Stored):
    """From the ``offences``-th ban of a person on, a ban lasts ``length_minutes`` (``None``:
    permanently) unless the user banning gives a length; ``offences`` is unique in the teamspace."""

    teamspace_id: str
    offences: int
    length_minutes: int | None
    created_at: datetime
    updated_at: datetime


class BanFields(Stored):
    """A ban as the API shows it, without whether it is active now."""

    teamspace_id: str
    person_id: str
    app_id: str
    channel: Channel
    person_external_id: str
    reason_id: str
    reason: str
    """The reason's name when the person was banned (it stays if the reason is renamed or deleted)."""
    offence: int
    """The person's how-many-th ban this is (1: their first)."""
    length_minutes: int | None
    """``None``: permanent."""
    banned_by: str
    created_at: datetime
    until: datetime | None
    """When the ban ends on its own; ``None``: never."""
    ended_at: datetime | None = None
    """When it was overridden by a new ban or lifted; ``None`` while neither happened."""
    ended_reason: EndedReason | None = None
    ended_by: str | None = None


class Ban(BanFields):
    """A stored ban. ``current`` marks the person's latest ban that was not lifted, whether or not
    it expired meanwhile: a person has at most one (a unique index holds it), and a new ban ends it."""

    current: bool = True


class BanView(BanFields):
    """A ban, and whether it is active at the time of the answer: not overridden, not lifted, and
    not past its ``until``."""

    active: bool


class AuditEntry(Stored):
    """Who (``by``) banned, overrode the ban of, or unbanned whom (``person_id``), when (``at``),
    for which reason and for how long. An ``override`` entry describes the ban that was overridden;
    ``replaced_by`` is the new ban."""

    teamspace_id: str
    action: AuditAction
    at: datetime
    by: str
    by_name: str | None = None
    person_id: str
    ban_id: str
    reason_id: str
    reason: str
    length_minutes: int | None
    until: datetime | None
    replaced_by: str | None = None


# --- values of requests -----------------------------------------------------------------------

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Minutes = Annotated[int, Field(strict=True, ge=1, le=MAX_MINUTES)]
"""A ban's length in whole minutes: 1 to ten years (a JSON integer: not a string, float or bool)."""
Offences = Annotated[int, Field(strict=True, ge=1, le=MAX_OFFENCES)]

# --- requests ---------------------------------------------------------------------------------


class BanReasonCreate(Strict):
    teamspace_id: Id
    name: Name


class BanReasonUpdate(Patch):
    name: Name | None = None


class BanRuleCreate(Strict):
    teamspace_id: Id
    offences: Offences = Field(description="from this offence count on (1: a person's first ban)")
    length_minutes: Minutes | None = Field(description="the ban's length; null: permanent")


class BanRuleUpdate(Patch):
    nullable = frozenset({"length_minutes"})

    offences: Offences | None = None
    length_minutes: Minutes | None = Field(default=None, description="null: permanent")


class BanCreate(Strict):
    person_id: Id
    reason_id: Id = Field(description="one of the ban reasons of the person's teamspace")
    length_minutes: Minutes | None = Field(
        default=None,
        description="left out: the length of the rule matching the person's offence count "
        "(permanent when no rule matches); null: permanent",
    )

    @property
    def by_rule(self) -> bool:
        """The length was left out: the teamspace's rules decide it."""
        return "length_minutes" not in self.model_fields_set
