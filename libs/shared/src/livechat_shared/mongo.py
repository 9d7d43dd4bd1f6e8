"""MongoDB access through PyMongo's async API, and the transaction helper every writer uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from .settings import ServiceSettings

T = TypeVar("T")


def create_mongo_client(settings: ServiceSettings) -> AsyncMongoClient:
    return AsyncMongoClient(
        settings.mongodb_url,
        tz_aware=True,
        appname=f"livechat-{settings.service_name}",
        serverSelectionTimeoutMS=15_000,
    )


@dataclass
class Mongo:
    """The service's client and database; indexes are declared by each repository and created at start."""

    client: AsyncMongoClient
    db: AsyncDatabase
    indexes: dict[str, list[IndexModel]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Mongo:
        client = create_mongo_client(settings)
        return cls(client=client, db=client[settings.database_name])

    def declare_indexes(self, collection: str, models: Sequence[IndexModel]) -> None:
        self.indexes.setdefault(collection, []).extend(models)

    async def create_indexes(self) -> None:
        for collection, models in self.indexes.items():
            await self.db[collection].create_indexes(list(models))

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
