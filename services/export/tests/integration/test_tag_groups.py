"""The export service's copy of the inbox's tags, fed on the real bus (``export.catalog``), and the
``tag_group`` filter it serves: announcements arriving late or twice change nothing (each tag keeps its
newest version, a deleted tag stays deleted), and an export by tag group holds exactly the chats with
a tag of the groups — ``none``: with no tag of any group."""

from __future__ import annotations

import csv
import io
from typing import Any

from livechat_dev.testing import eventually
from livechat_shared.contracts import Envelope, TagChangedV1
from livechat_shared.ids import new_id

from .conftest import WS, World


async def announce(
    world: World, tag_id: str, version: int, group_id: str | None, deleted: bool = False
) -> None:
    """Publish what the inbox announces of a tag's change."""
    event = TagChangedV1(
        tag_id=tag_id,
        teamspace_id="ts-1",
        name=f"{tag_id} v{version}",
        group_id=group_id,
        deleted=deleted,
        version=version,
    )
    await world.publish(Envelope.wrap(event, workspace_id=WS))


async def copy_of(world: World, tag_id: str) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await world.app.state.runtime.mongo.db["tags"].find_one({"_id": tag_id})
    return doc


async def applied_so_far(world: World) -> None:
    """Wait until every announcement published so far was applied: the queue is applied in order, so
    a marker tag announced now is applied after them."""
    marker = f"marker-{new_id()}"
    await announce(world, marker, 1, None)
    await eventually(lambda: copy_of(world, marker))


def exported_ids(text: str) -> set[str]:
    return {row["id"] for row in csv.DictReader(io.StringIO(text))}


async def test_late_and_repeated_announcements_change_nothing(world: World) -> None:
    moved, deleted, twice = (f"tag-{new_id()}" for _ in range(3))
    await announce(world, moved, 2, "g-new")
    await announce(world, moved, 1, "g-old")  # late: the tag was in g-old before it moved
    await announce(world, deleted, 3, "g-old", deleted=True)
    await announce(world, deleted, 2, "g-old")  # late, after its deletion
    await announce(world, twice, 1, "g-old")
    await announce(world, twice, 1, "g-new")  # the same version again (cannot differ; still ignored)
    await applied_so_far(world)

    def held(doc: dict[str, Any] | None) -> tuple[Any, ...]:
        assert doc is not None
        return doc["group_id"], doc["deleted"], doc["version"], doc["workspace_id"]

    assert held(await copy_of(world, moved)) == ("g-new", False, 2, WS)
    assert held(await copy_of(world, deleted)) == (None, True, 3, WS)
    assert held(await copy_of(world, twice)) == ("g-old", False, 1, WS)

    # Another workspace's event for the same tag id does not touch it.
    event = TagChangedV1(
        tag_id=moved, teamspace_id="ts-1", name="x", group_id="g-x", deleted=False, version=9
    )
    await world.publish(Envelope.wrap(event, workspace_id="ws-elsewhere"))
    await applied_so_far(world)
    assert held(await copy_of(world, moved)) == ("g-new", False, 2, WS)

    # An export by tag group reads the copy when it runs.
    chats = {name: new_id() for name in ("moved", "deleted", "twice", "untagged")}
    await world.chat(chats["moved"], 1, tags=[moved])
    await world.chat(chats["deleted"], 1, tags=[deleted])
    await world.chat(chats["twice"], 1, tags=[twice, "ungrouped-tag"])
    await world.chat(chats["untagged"], 1)
    for chat_id in chats.values():
        await world.transcript_json(chat_id)

    for filters, expected in (
        ({"tag_group": ["g-new"]}, {"moved"}),
        ({"tag_group": ["g-old"]}, {"twice"}),
        ({"tag_group": ["g-old", "g-new"]}, {"moved", "twice"}),
        ({"tag_group": ["none"]}, {"deleted", "untagged"}),
        ({"tag_group": ["none", "g-new"], "tag": ["none"]}, {"untagged"}),
        ({"tag_group": ["g-x"]}, set()),  # the other workspace's grouping is not this one's
    ):
        _, text = await world.export("admin", "csv", filters)
        assert exported_ids(text) == {chats[name] for name in expected}, filters
