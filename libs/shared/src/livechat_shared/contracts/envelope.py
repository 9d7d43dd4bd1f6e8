"""The envelope every event travels in, and the base class of every contract.

An event is a fact in the past tense. Its routing key is ``<type>.v<version>`` where ``type`` is
``<producer>.<entity>.<event>``. A breaking change gets a new major version (a new class and a new
routing key); additive fields keep the version, and readers ignore fields they do not know.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ..ids import new_id, utcnow


class Contract(BaseModel):
    """Base of every event payload: the class knows its type and major version."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1

    @classmethod
    def routing_key(cls) -> str:
        return f"{cls.event_type}.v{cls.event_version}"


C = TypeVar("C", bound=Contract)


class Envelope(BaseModel):
    """What travels on the bus: metadata, then the payload."""

    model_config = ConfigDict(extra="ignore")

    event_id: str = Field(default_factory=new_id)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=utcnow)
    workspace_id: str
    chat_id: str | None = None
    correlation_id: str = Field(min_length=1, max_length=255)
    """Travels as the AMQP correlation id, which holds at most 255 bytes (the edge bounds it at 128)."""
    causation_id: str | None = Field(default=None, max_length=255)
    payload: dict[str, Any]

    @property
    def routing_key(self) -> str:
        return f"{self.type}.v{self.version}"

    @classmethod
    def wrap(
        cls,
        payload: Contract,
        *,
        workspace_id: str,
        chat_id: str | None = None,
        correlation_id: str | None = None,
        causation: Envelope | None = None,
    ) -> Envelope:
        event_id = new_id()
        if causation is not None:
            correlation_id = correlation_id or causation.correlation_id
        return cls(
            event_id=event_id,
            type=payload.event_type,
            version=payload.event_version,
            workspace_id=workspace_id,
            chat_id=chat_id,
            correlation_id=correlation_id or event_id,
            causation_id=causation.event_id if causation else None,
            payload=payload.model_dump(mode="json"),
        )

    # ``builtins.type``: inside this class ``type`` names the field above, not the builtin.
    def open(self, contract: builtins.type[C]) -> C:
        """The payload as ``contract``; raises ValueError when the envelope holds another event."""
        if (self.type, self.version) != (contract.event_type, contract.event_version):
            raise ValueError(f"envelope holds {self.routing_key}, not {contract.routing_key()}")
        return contract.model_validate(self.payload)
