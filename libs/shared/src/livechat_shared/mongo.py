"""MongoDB access through PyMongo's async API, and the transaction helper every writer uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, ConfigDict, Field
from pymongo import AsyncMongoClient, IndexModel, monitoring
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from .settings import ServiceSettings

T = TypeVar("T")


class CommandCounter(monitoring.CommandListener):
    """Counts the database commands this process sends, by command name (``mongodb_commands_total``
    on ``/metrics``), so the cost of a message in round trips can be read off any running stack."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.commands = Counter(
            "mongodb_commands", "MongoDB commands sent, by command name", ["command"], registry=registry
        )

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.labels(event.command_name).inc()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def create_mongo_client(
    settings: ServiceSettings, registry: CollectorRegistry | None = None
) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(
        settings.mongodb_url,
        tz_aware=True,
        appname=f"livechat-{settings.service_name}",
        serverSelectionTimeoutMS=15_000,
        event_listeners=[CommandCounter(registry)] if registry is not None else [],
    )


@dataclass
class Mongo:
    """The service's client and database; indexes are declared by each repository and created at start."""

    client: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    indexes: dict[str, list[IndexModel]] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: ServiceSettings, registry: CollectorRegistry | None = None) -> Mongo:
        client = create_mongo_client(settings, registry)
        return cls(client=client, db=client[settings.database_name])

    def declare_indexes(self, collection: str, models: Sequence[IndexModel]) -> None:
        self.indexes.setdefault(collection, []).extend(models)

    def retire_indexes(self, collection: str, names: Sequence[str]) -> None:
        """Indexes an earlier version created that nothing reads any more: dropped at start where they
        exist, so a database that was upgraded stops maintaining them at every write."""
        self.retired.setdefault(collection, []).extend(names)

    async def create_indexes(self) -> None:
        """Create the declared indexes (an existing one is left as it is), then drop the retired."""
        for collection, models in self.indexes.items():
            await self.db[collection].create_indexes(list(models))
        for collection, names in self.retired.items():
            declared = {model.document["name"] for model in self.indexes.get(collection, [])}
            if clash := declared & set(names):
                raise ValueError(f"indexes both declared and retired on {collection}: {sorted(clash)}")
            existing = {index["name"] async for index in await self.db[collection].list_indexes()}
            for name in names:
                if name in existing:
                    await self.db[collection].drop_index(name)

    async def ping(self) -> None:
        await self.client.admin.command("ping")

    async def transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run ``work`` in one multi-document transaction, retried on transient errors.

        Exceptions raised by ``work`` abort the transaction and propagate unchanged.
        """
        async with self.client.start_session() as session:
            return await session.with_transaction(work)

    async def close(self) -> None:
        await self.client.close()


class Document(BaseModel):
    """Base of a stored entity: a typed model converted at the repository boundary.

    ``id`` is stored as ``_id``; unknown fields in the database are ignored, so a newer version's
    documents still load.
    """

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Self:
        return cls.model_validate(doc)

    def to_doc(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)
