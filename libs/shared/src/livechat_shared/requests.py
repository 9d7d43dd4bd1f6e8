"""Request-model bases every service's API uses: strict bodies and partial updates."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, model_validator


class Strict(BaseModel):
    """A request body: an unknown field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Patch(Strict):
    """A partial update: only the fields that were sent change."""

    nullable: ClassVar[frozenset[str]] = frozenset()
    """Fields where ``null`` is a value (it clears them); ``null`` for any other field is refused."""

    @model_validator(mode="after")
    def _null_only_where_allowed(self) -> Self:
        refused = sorted(
            k for k in self.model_fields_set if getattr(self, k) is None and k not in self.nullable
        )
        if refused:
            raise ValueError(f"these fields cannot be null: {', '.join(refused)}")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields that were sent, as they are stored."""
        return self.model_dump(mode="json", exclude_unset=True)
