"""The export read model of one workspace, made up and written in bulk, exactly as the projection
writes it: every document is built by the projection's own functions from the contracts the inbox
publishes (``chat_document``, ``message_write``, ``MessageStats``), so the seed follows the code.

:func:`workspace` is deterministic for a seed number (``random.Random``); :func:`write` inserts it
a batch at a time.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from export.core.stats import MessageStats
from export.core.store import CHATS, MESSAGES
from export.projection.rules import chat_document, message_write
from livechat_shared.contracts import ChatSnapshot, DirectoryUser, MessageCreatedV1, MessageView
from pymongo.asynchronous.database import AsyncDatabase
from ulid import ULID

WORKSPACE = "ws-bench"
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
"""The chats were created over a year from ``START``."""

TEAMSPACES = ("ts-sales", "ts-support", "ts-billing")
TEAMS = tuple(f"t-{n}" for n in range(6))
AGENTS = tuple(f"u-agent-{n:02d}" for n in range(30))
APPS = (
    {"id": "app-site", "channel": "webchat", "name": "Website"},
    {"id": "app-shop", "channel": "webchat", "name": "Shop"},
    {"id": "app-wa", "channel": "whatsapp", "name": "WhatsApp"},
    {"id": "app-tg", "channel": "telegram", "name": "Telegram"},
    {"id": "app-fb", "channel": "messenger", "name": "Messenger"},
)
STATUSES = (("open", 15), ("pending", 10), ("overdue", 5), ("resolved", 45), ("closed", 25))
TAGS = ("vip", "refund", "bug", "billing", "shipping", "lead", "spam", "feedback", "urgent", "return")
FIRST_NAMES = ("Ann", "José", "Zoë", "Li", "Omar", "Maria", "Kofi", "Sven", "Aiko", "Priya", "Noah", "Eva")
LAST_NAMES = ("Smith", "García", "Müller", "Chen", "Okafor", "Rossi", "Dubois", "Kowalski", "Sato", "Novak")
_TEXT = (
    "hello hi thanks please order refund delivery package tracking number account password login error "
    "payment card invoice price discount coupon shipping address return exchange size colour broken "
    "missing late early today tomorrow week help support agent question answer problem issue fixed "
    "working not yet again still already great good bad slow fast email phone call chat message app "
    "website shop cart checkout product item stock available subscription plan upgrade cancel renew "
    "bonjour merci commande livraison gracias pedido envío danke bestellung lieferung"
)
WORDS = tuple(_TEXT.split())


@dataclass
class Seeded:
    """What was written: the totals, and each chat's creation time with its number of messages."""

    chats: int = 0
    messages: int = 0
    created: list[tuple[datetime, int]] = field(default_factory=list)
    field_keys: set[str] = field(default_factory=set)

    def add(self, chat: dict[str, Any], messages: int) -> None:
        self.chats += 1
        self.messages += messages
        self.created.append((chat["created_at"], messages))
        self.field_keys.update(chat["custom_field_keys"])

    def created_from_for(self, newest: int) -> datetime:
        """The ``created_from`` filter that selects (at least) the ``newest`` most recent chats."""
        ordered = sorted((at for at, _ in self.created), reverse=True)
        return ordered[min(newest, len(ordered)) - 1]

    def since(self, created_from: datetime) -> tuple[int, int]:
        """The chats created at or after ``created_from``, and their messages."""
        chats = [count for at, count in self.created if at >= created_from]
        return len(chats), sum(chats)


def ulid_at(at: datetime, rng: random.Random) -> str:
    """A ULID made at ``at`` (as the inbox's ``new_id()`` would have made it then)."""
    ms = int(at.timestamp() * 1000)
    return str(ULID.from_bytes(ms.to_bytes(6, "big") + rng.randbytes(10)))


def message_counts(chats: int, per_chat: int, rng: random.Random) -> list[int]:
    """How many messages each chat has: ``per_chat`` on average (exactly ``chats * per_chat`` in all),
    spread from 1 to ``2 * per_chat - 1`` in pairs that add up to twice the mean."""
    counts: list[int] = []
    for _ in range(chats // 2):
        spread = rng.randint(0, max(0, per_chat - 1))
        counts += [per_chat + spread, per_chat - spread]
    if chats % 2:
        counts.append(per_chat)
    rng.shuffle(counts)
    return counts


def authors(count: int, mode: str, rng: random.Random) -> list[str]:
    """Who wrote a chat's messages, in order: sometimes the AI greets first, the person writes, then
    the AI (in AI mode) or agents answer, the person again, now and then a system message."""
    kinds: list[str] = []
    if mode == "ai" or rng.random() < 0.3:
        kinds.append("ai")
    while len(kinds) < count:
        kinds.append("person")
        answer = "ai" if mode == "ai" and rng.random() < 0.7 else "agent"
        kinds += [answer] * rng.randint(1, 2)
        if rng.random() < 0.1:
            kinds.append("system")
    return kinds[:count]


def chat_and_messages(messages: int, rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One chat's document and its messages' documents, as the projection stores them after the
    chat's snapshot and every message were applied (in order)."""
    created = START + timedelta(milliseconds=rng.randrange(int(SPAN.total_seconds() * 1000)))  # as stored
    chat_id = ulid_at(created, rng)
    status = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]
    mode = "ai" if rng.random() < 0.2 else "live"
    assignee = rng.choice(AGENTS) if mode == "live" and rng.random() < 0.85 else None
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    custom: dict[str, Any] = {}
    if rng.random() < 0.6:
        custom["priority"] = rng.choice(["low", "normal", "high"])
    if rng.random() < 0.3:
        custom["order_id"] = str(rng.randint(100_000, 999_999))
    if rng.random() < 0.2:
        custom["amount"] = round(rng.uniform(5, 500), 2)
    if rng.random() < 0.1:
        custom["newsletter"] = rng.random() < 0.5
    finished = status in ("resolved", "closed")
    rating = None
    if finished and rng.random() < 0.3:
        rating = {"score": rng.randint(1, 5), "comment": rng.choice(["", "Great, thanks", "Too slow"])}
        rating["at"] = (created + timedelta(hours=2)).isoformat()
    at = created
    views: list[MessageView] = []
    for seq, kind in enumerate(authors(messages, mode, rng), start=1):
        at += timedelta(seconds=rng.uniform(2, 300))
        author: dict[str, Any] = {"type": kind}
        if kind == "agent":
            agent = assignee or rng.choice(AGENTS)
            author |= {"id": agent, "name": f"Agent {agent[-2:]}"}
        elif kind == "person":
            author |= {"id": f"p-{chat_id}", "name": name}
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))
        view = MessageView(
            id=ulid_at(at, rng),
            chat_id=chat_id,
            seq=seq,
            author=author,  # type: ignore[arg-type]
            text=text,
            created_at=at,
            delivery="read" if kind == "agent" else None,
        )
        views.append(view)
    version = 2 * messages + 3
    snapshot = ChatSnapshot(
        id=chat_id,
        workspace_id=WORKSPACE,
        teamspace_id=rng.choice(TEAMSPACES),
        app=rng.choice(APPS),  # type: ignore[arg-type]
        person={"id": f"p-{chat_id}", "name": name},
        mode=mode,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        assignee_id=assignee,
        team_ids=rng.sample(TEAMS, rng.choice([1, 1, 1, 2])),
        description=rng.choice(["", "", "Refund request", "Order stuck in transit", "Login problem"]),
        tags=rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2, 3])),
        custom_fields=custom,
        rating=rating,
        created_at=created,
        updated_at=at + timedelta(minutes=5),
        last_message_at=at if views else None,
        version=version,
    )
    doc = {"_id": chat_id, **chat_document(snapshot, None)}
    stats = MessageStats()
    terms: set[str] = set()
    message_docs: list[dict[str, Any]] = []
    for view in views:
        event = MessageCreatedV1(
            chat_version=version, teamspace_id=snapshot.teamspace_id, mode=mode, message=view
        )  # type: ignore[arg-type]
        write = message_write(WORKSPACE, event)
        message_docs.append({"_id": write.message_id, "chat_id": write.chat_id, **write.fields})
        terms.update(write.terms)
        stats.add(write.author_type, write.seq, write.created_at)  # in order: never a look-up
    doc["message_terms"] = sorted(terms)
    doc["stats"] = stats.to_doc()
    return doc, message_docs


def workspace(
    chats: int, per_chat: int, seed: int = 7
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The workspace's chats and their messages, one chat at a time."""
    rng = random.Random(seed)
    for count in message_counts(chats, per_chat, rng):
        yield chat_and_messages(count, rng)


def directory() -> list[DirectoryUser]:
    """The agents, as the export service's copy of the directory holds them (assignee names)."""
    return [
        DirectoryUser(id=agent, workspace_id=WORKSPACE, name=f"Agent {agent[-2:]}", role="agent", version=1)
        for agent in AGENTS
    ]


async def write(
    db: AsyncDatabase[dict[str, Any]],
    chats: int,
    per_chat: int,
    progress: Callable[[str], None],
    batch: int = 1000,
) -> Seeded:
    """Insert the workspace in batches (``insert_many``, unordered), the next batch being made while
    the last one is written; says how far it got every ~10 s."""
    seeded = Seeded()
    pending: list[asyncio.Task[None]] = []
    chat_batch: list[dict[str, Any]] = []
    message_batch: list[dict[str, Any]] = []
    started = last_said = time.monotonic()

    async def insert(collection: str, docs: list[dict[str, Any]]) -> None:
        await db[collection].insert_many(docs, ordered=False)

    async def flush(collection: str, docs: list[dict[str, Any]]) -> None:
        while len(pending) >= 2:  # two batches in flight at most
            await pending.pop(0)
        pending.append(asyncio.create_task(insert(collection, docs)))
        await asyncio.sleep(0)  # the request goes out before the next batch is made

    for chat, messages in workspace(chats, per_chat):
        seeded.add(chat, len(messages))
        chat_batch.append(chat)
        message_batch += messages
        if len(chat_batch) >= batch:
            await flush(CHATS, chat_batch)
            chat_batch = []
        if len(message_batch) >= batch:
            await flush(MESSAGES, message_batch)
            message_batch = []
        now = time.monotonic()
        if now - last_said > 10:
            last_said = now
            rate = (seeded.chats + seeded.messages) / (now - started)
            progress(
                f"  seeded {seeded.chats:,}/{chats:,} chats, {seeded.messages:,} messages "
                f"({rate:,.0f} documents/s)"
            )
    if chat_batch:
        await flush(CHATS, chat_batch)
    if message_batch:
        await flush(MESSAGES, message_batch)
    for task in pending:
        await task
    return seeded
