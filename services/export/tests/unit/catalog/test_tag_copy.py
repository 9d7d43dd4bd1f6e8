"""The copy of the inbox's tags keeps each tag's newest announcement, whatever order they arrive in:
the pure rule, and the use case over an in-memory store that writes as conditionally as the real
one (``repository.TagCopy``: only over an older version of the same workspace's tag)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from export.catalog.rules import tag_change_applies, tag_document
from export.catalog.schemas import TagState
from export.catalog.use_cases import TagCopyUseCases
from livechat_shared.contracts import Envelope, TagChangedV1


class FakeTags:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.puts = 0

    async def state(self, tag_id: str) -> TagState | None:
        doc = self.docs.get(tag_id)
        return TagState.model_validate(doc) if doc else None

    async def put(self, tag_id: str, fields: dict[str, Any]) -> bool:
        self.puts += 1
        stored = self.docs.get(tag_id)
        if stored is not None and (
            stored["workspace_id"] != fields["workspace_id"] or stored["version"] >= fields["version"]
        ):
            return False
        self.docs[tag_id] = dict(fields)
        return True


def changed(version: int, *, group_id: str | None = "g-1", deleted: bool = False, **fields: Any) -> Envelope:
    event = TagChangedV1(
        tag_id=fields.pop("tag_id", "tag-1"),
        teamspace_id="ts-1",
        name=fields.pop("name", f"Refund v{version}"),
        group_id=group_id,
        deleted=deleted,
        version=version,
    )
    return Envelope.wrap(event, workspace_id=fields.pop("workspace_id", "ws-1"))


async def apply(copy: TagCopyUseCases, *envelopes: Envelope) -> list[bool]:
    return [await copy.tag_changed(e, e.open(TagChangedV1)) for e in envelopes]


@pytest.mark.parametrize(
    ("stored", "version", "applies"),
    [
        (None, 0, True),  # unknown: any version (0: a tag stored before tags had versions)
        (None, 7, True),
        (TagState(workspace_id="ws-1", version=3), 4, True),
        (TagState(workspace_id="ws-1", version=3), 3, False),  # the same one again
        (TagState(workspace_id="ws-1", version=3), 2, False),  # a late one
        (TagState(workspace_id="ws-1", version=5, deleted=True), 4, False),  # never back from deletion
    ],
)
def test_only_a_newer_version_applies(stored: TagState | None, version: int, applies: bool) -> None:
    assert tag_change_applies(stored, version) is applies


def test_a_deleted_tag_is_kept_in_no_group() -> None:
    event = changed(4, group_id="g-1", deleted=True).open(TagChangedV1)
    assert tag_document("ws-1", event) == {
        "workspace_id": "ws-1",
        "teamspace_id": "ts-1",
        "name": "Refund v4",
        "group_id": None,
        "deleted": True,
        "version": 4,
    }


async def test_every_order_of_the_same_changes_ends_with_the_newest() -> None:
    history = [
        changed(1, group_id=None),
        changed(2, group_id="g-1"),
        changed(3, group_id="g-2", name="Refunds"),
        changed(4, group_id=None, name="Refunds"),
    ]
    for order in itertools.permutations(history):
        tags = FakeTags()
        await apply(TagCopyUseCases(tags), *order, *order)  # each twice: redeliveries change nothing
        assert tags.docs["tag-1"] == {
            "workspace_id": "ws-1",
            "teamspace_id": "ts-1",
            "name": "Refunds",
            "group_id": None,
            "deleted": False,
            "version": 4,
        }


async def test_a_late_change_neither_overwrites_nor_is_written() -> None:
    tags = FakeTags()
    copy = TagCopyUseCases(tags)
    assert await apply(copy, changed(3, group_id="g-2"), changed(2, group_id="g-1")) == [True, False]
    assert tags.docs["tag-1"]["group_id"] == "g-2"
    assert tags.puts == 1  # the late one was seen to be old before any write


async def test_a_deleted_tag_stays_deleted_whatever_comes_late() -> None:
    tags = FakeTags()
    copy = TagCopyUseCases(tags)
    assert await apply(copy, changed(5, deleted=True), changed(4, group_id="g-1"), changed(1)) == [
        True,
        False,
        False,
    ]
    assert (tags.docs["tag-1"]["deleted"], tags.docs["tag-1"]["group_id"]) == (True, None)


async def test_another_workspaces_tag_is_not_changed() -> None:
    tags = FakeTags()
    copy = TagCopyUseCases(tags)
    assert await apply(copy, changed(1, group_id="g-1"), changed(9, group_id=None, workspace_id="ws-x")) == [
        True,
        False,
    ]
    assert tags.docs["tag-1"] == {**tags.docs["tag-1"], "workspace_id": "ws-1", "group_id": "g-1"}
