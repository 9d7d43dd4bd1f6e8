"""Write with the outbox: a change and the events announcing it commit in one transaction.

A use case hands :meth:`Writer.write` a unit of work that reads, decides and stores inside the
session, and returns its result with the events to announce. The writer stores those events in
the outbox (:class:`livechat_shared.outbox.Outbox`) in the same transaction, runs the work again
when it lost a race to a concurrent writer, and wakes the relay after the commit. The ports are
protocols, so use-case tests run it over in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from .contracts import Envelope
from .errors import DomainError

T = TypeVar("T")
Session = AsyncClientSession

RACE_RETRIES = 5


class RaceLost(Exception):
    """A concurrent writer changed what the work read (or created it first): run the work again."""


@dataclass
class Change(Generic[T]):
    """What a unit of work returns: its result and the events that announce it."""

    result: T
    events: Sequence[Envelope] = field(default_factory=list)


class Transactions(Protocol):
    async def transaction(self, work: Callable[[Session], Awaitable[T]]) -> T: ...


class OutboxPort(Protocol):
    async def add(self, envelopes: list[Envelope], session: Session) -> Sequence[Any]:
        """Store the events in the transaction; what it returns goes to :meth:`notify` after the commit."""
        ...

    def notify(self, committed: Sequence[Any] = ()) -> None: ...


@dataclass
class Writer:
    transactions: Transactions
    outbox: OutboxPort
    conflict: type[DomainError]
    """Raised (the service's own error) when the work lost ``retries`` races in a row."""
    retries: int = RACE_RETRIES

    async def write(self, work: Callable[[Session], Awaitable[Change[T]]]) -> T:
        """Commit ``work`` and its events; exceptions of the work abort it and propagate unchanged.

        Raises ``conflict`` after ``retries`` lost races.
        """

        staged: list[Any] = []

        async def unit(session: Session) -> T:
            staged.clear()  # the transaction may run the unit again: only the last run commits
            change = await work(session)
            if change.events:
                staged.extend(await self.outbox.add(list(change.events), session))
            return change.result

        for _attempt in range(self.retries):
            try:
                result = await self.transactions.transaction(unit)
            except RaceLost:
                continue
            self.outbox.notify(staged)
            return result
        raise self.conflict()
