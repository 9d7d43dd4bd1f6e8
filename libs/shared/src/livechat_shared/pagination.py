"""Pages of a list, as every service's API returns them (no HTTP here: use cases build these)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list: ``{"items", "total", "page", "page_size"}``; ``page`` starts at 1."""

    items: list[T]
    total: int
    page: int
    page_size: int


class PageParams(BaseModel):
    model_config = ConfigDict(frozen=True)

    page: int = 1
    page_size: int = 50

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.page_size
