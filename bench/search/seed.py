"""A large workspace for the chat-table benchmark, written straight into the inbox's collections in
the format the inbox writes (its own models, and its own functions for the facets and search terms,
so the seed cannot drift from the code)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.core.models import Chat, Message, PersonOnChat
from inbox.core.search import chat_facets, combined_terms, field_terms, new_message_terms
from livechat_shared.contracts import AppRef, Author

WORKSPACE = "ws-bench"
TEAMSPACE = "ts-bench"
TEAMS = [f"team-{i:02}" for i in range(10)]
AGENTS = [f"agent-{i:02}" for i in range(50)]
TAGS = [f"tag-{i:02}" for i in range(30)]
GROUPS = {f"group-{g}": TAGS[g * 5 : g * 5 + 5] for g in range(4)}
"""Tag groups: the first 20 tags in groups of five; the last ten in none."""
PLANS = ["gold", "silver", "bronze", "trial"]
STATUSES = ["open", "open", "pending", "resolved", "resolved", "resolved", "closed", "overdue"]
FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Inès", "João", "Kemal", "Lena"]
LAST = ["Müller", "Silva", "Kowalski", "Nguyen", "García", "Rossi", "Dubois", "Smith", "Öztürk", "Kim"]
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    """Made-up words with a Zipf-like use: a few common, most rare (as in real conversations)."""
    letters = "abcdefghijklmnoprstuvz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)]


@dataclass
class Workspace:
    chats: int
    messages_per_chat: int
    seed: int = 7

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.words = vocabulary(self.rng)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def text(self, count: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=count))

    def chat_and_messages(self, index: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        chat_id = f"chat-{index:07}"
        created = T0 + timedelta(seconds=index * 150 + rng.randint(0, 100))
        status = rng.choice(STATUSES)
        teams = [rng.choice(TEAMS)] if rng.random() < 0.9 else []
        assignee = rng.choice(AGENTS) if rng.random() < 0.6 else None
        tags = rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2, 3]))
        fields: dict[str, Any] = {}
        if rng.random() < 0.7:
            fields["plan"] = rng.choice(PLANS)
        if rng.random() < 0.4:
            fields["orders"] = rng.randint(0, 50)
        rating = {"score": rng.randint(1, 5), "comment": None} if rng.random() < 0.3 else None
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        texts = [self.text(rng.randint(4, 14)) for _ in range(self.messages_per_chat)]
        authors = ["person", "ai", "person", "agent"]
        messages = [
            Message(
                id=f"{chat_id}-m{seq:03}",
                workspace_id=WORKSPACE,
                chat_id=chat_id,
                seq=seq,
                author=Author(type=authors[seq % 4]),  # type: ignore[arg-type]
                text=text,
                created_at=created + timedelta(seconds=30 * seq),
            ).to_doc()
            for seq, text in enumerate(texts, start=1)
        ]
        chat = Chat(
            id=chat_id,
            workspace_id=WORKSPACE,
            teamspace_id=TEAMSPACE,
            app_id="app-bench",
            app=AppRef(id="app-bench", channel="webchat", name="Site"),
            person_id=f"person-{index:07}",
            person=PersonOnChat(id=f"person-{index:07}", name=name),
            person_external_id=f"visitor-{index:07}",
            current=status not in ("resolved", "closed"),
            mode="live" if assignee else rng.choice(["ai", "live"]),
            status=status,  # type: ignore[arg-type]
            assignee_id=assignee,
            team_ids=teams,
            description=self.text(3) if rng.random() < 0.3 else "",
            tags=tags,
            custom_fields=fields,
            rating=rating,
            created_at=created,
            updated_at=created + timedelta(seconds=30 * len(texts)),
            last_message_at=created + timedelta(seconds=30 * len(texts)),
            version=len(texts) + 1,
            next_seq=len(texts),
        )
        message_terms = new_message_terms([], texts)
        doc = chat.to_doc()
        doc |= {
            "facets": chat_facets(chat),
            "message_terms": message_terms,
            "terms": combined_terms(field_terms(chat_id, name, chat.description), message_terms),
        }
        return doc, messages

    def batches(self, size: int) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        chats: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for index in range(self.chats):
            chat, its_messages = self.chat_and_messages(index)
            chats.append(chat)
            messages += its_messages
            if len(chats) >= size:
                yield chats, messages
                chats, messages = [], []
        if chats:
            yield chats, messages


async def seed(db: Any, workspace: Workspace, say: Callable[[str], None], batch: int = 2000) -> None:
    """Insert the workspace's chats and messages, and its tag groups, in batches."""
    await db["tag_groups"].insert_many(
        [
            {"_id": g, "workspace_id": WORKSPACE, "teamspace_id": TEAMSPACE, "name": g, "name_key": g}
            for g in GROUPS
        ]
    )
    await db["tags"].insert_many(
        [
            {
                "_id": t,
                "workspace_id": WORKSPACE,
                "teamspace_id": TEAMSPACE,
                "name": t,
                "name_key": t,
                "group_id": next((g for g, ts in GROUPS.items() if t in ts), None),
            }
            for t in TAGS
        ]
    )
    done = 0
    for chats, messages in workspace.batches(batch):
        await db["chats"].insert_many(chats, ordered=False)
        if messages:
            await db["messages"].insert_many(messages, ordered=False)
        done += len(chats)
        if done % 10_000 < batch:
            say(f"  seeded {done:,} chats, {done * workspace.messages_per_chat:,} messages")
