"""Every change of a tag is announced (``inbox.tag.changed.v1``) in the transaction that makes it,
with the tag's new version; a refused change announces nothing (in-memory fakes: ``conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from inbox.catalog.schemas import TagCreate, TagGroupCreate, TagUpdate
from inbox.catalog.use_cases import CatalogUseCases
from inbox.errors import DuplicateSetting, SettingNotFound, UnknownTagGroup
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import TagChangedV1

ADMIN = Principal(user_id="u-admin", workspace_id="ws-1", role=Role.ADMIN)
FOREIGN = Principal(user_id="u-foreign", workspace_id="ws-2", role=Role.ADMIN)


def announced(catalog: Any) -> list[tuple[str, TagChangedV1]]:
    """The workspace and the event of each announcement so far, in order."""
    return [(e.workspace_id, e.open(TagChangedV1)) for e in catalog.db.outbox]


def summary(catalog: Any) -> list[tuple[str, str | None, bool, int]]:
    return [(e.name, e.group_id, e.deleted, e.version) for _, e in announced(catalog)]


async def test_a_tags_life_is_announced_change_by_change_with_growing_versions(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    billing = await uc.create_tag_group(ADMIN, TagGroupCreate(teamspace_id="ts-1", name="Billing"))
    sales = await uc.create_tag_group(ADMIN, TagGroupCreate(teamspace_id="ts-1", name="Sales"))
    assert catalog.db.outbox == []  # groups themselves are not announced: their tags are

    made = await uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name="Refund", colour="#ABC"))
    assert made.version == 1
    await uc.update_tag(ADMIN, made.id, TagUpdate(group_id=billing.id))
    await uc.update_tag(ADMIN, made.id, TagUpdate(name="Refunds"))
    await uc.update_tag(ADMIN, made.id, TagUpdate(group_id=sales.id))
    await uc.update_tag(ADMIN, made.id, TagUpdate.model_validate({"group_id": None}))
    await uc.delete_tag(ADMIN, made.id)

    assert summary(catalog) == [
        ("Refund", None, False, 1),
        ("Refund", billing.id, False, 2),
        ("Refunds", billing.id, False, 3),
        ("Refunds", sales.id, False, 4),
        ("Refunds", None, False, 5),
        ("Refunds", None, True, 6),  # the deletion: what it was, as its next (and last) version
    ]
    workspace, first = announced(catalog)[0]
    assert (workspace, first.tag_id, first.teamspace_id, first.colour) == ("ws-1", made.id, "ts-1", "#abc")
    assert catalog.db.transactions == 6  # each change of the tag in one, with its announcement


async def test_deleting_a_group_announces_each_of_its_tags_ungrouped(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    doomed = await uc.create_tag_group(ADMIN, TagGroupCreate(teamspace_id="ts-1", name="Doomed"))
    kept = await uc.create_tag_group(ADMIN, TagGroupCreate(teamspace_id="ts-1", name="Kept"))
    a = await uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name="A", group_id=doomed.id))
    b = await uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name="B", group_id=doomed.id))
    await uc.update_tag(ADMIN, b.id, TagUpdate(name="Bee"))
    await uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name="C", group_id=kept.id))
    before = len(catalog.db.outbox)

    await uc.delete_tag_group(ADMIN, doomed.id)

    ungrouped = {e.tag_id: (e.group_id, e.deleted, e.version) for _, e in announced(catalog)[before:]}
    assert ungrouped == {a.id: (None, False, 2), b.id: (None, False, 3)}
    assert catalog.tags.items[b.id].version == 3  # what was announced is what is stored

    await uc.delete_tag_group(ADMIN, kept.id)  # its one tag
    empty = await uc.create_tag_group(ADMIN, TagGroupCreate(teamspace_id="ts-1", name="Empty"))
    await uc.delete_tag_group(ADMIN, empty.id)  # no tag: nothing to announce
    assert len(catalog.db.outbox) == before + 3


async def test_a_refused_or_empty_change_announces_nothing(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    other_ts = await uc.create_tag_group(ADMIN, TagGroupCreate(teamspace_id="ts-2", name="Elsewhere"))
    made = await uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name="VIP"))
    await uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name="Gold"))
    before = list(catalog.db.outbox)

    refusals: list[tuple[type[Exception], Any]] = [
        (DuplicateSetting, uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name="vip"))),
        (UnknownTagGroup, uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name="X", group_id="nope"))),
        (UnknownTagGroup, uc.update_tag(ADMIN, made.id, TagUpdate(group_id=other_ts.id))),
        (DuplicateSetting, uc.update_tag(ADMIN, made.id, TagUpdate(name="GOLD"))),
        (SettingNotFound, uc.update_tag(ADMIN, "no-such-tag", TagUpdate(name="Y"))),
        (SettingNotFound, uc.delete_tag(ADMIN, "no-such-tag")),
        (SettingNotFound, uc.delete_tag(FOREIGN, made.id)),  # another workspace's tag does not exist
    ]
    for error, change in refusals:
        with pytest.raises(error):
            await change
    assert (await uc.update_tag(ADMIN, made.id, TagUpdate())).version == 1  # nothing to change
    assert catalog.db.outbox == before
    assert catalog.tags.items[made.id].version == 1


async def test_republishing_announces_every_tag_as_it_is(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    made = [await uc.create_tag(ADMIN, TagCreate(teamspace_id="ts-1", name=f"T{n}")) for n in range(5)]
    await uc.update_tag(ADMIN, made[2].id, TagUpdate(name="Two"))
    await uc.delete_tag(ADMIN, made[4].id)
    foreign = await uc.create_tag(FOREIGN, TagCreate(teamspace_id="ts-9", name="Theirs"))
    catalog.db.outbox.clear()

    assert await uc.republish_tags(batch=2) == 5
    again = {e.tag_id: (workspace, e.name, e.version, e.deleted) for workspace, e in announced(catalog)}
    assert again == {
        made[0].id: ("ws-1", "T0", 1, False),
        made[1].id: ("ws-1", "T1", 1, False),
        made[2].id: ("ws-1", "Two", 2, False),
        made[3].id: ("ws-1", "T3", 1, False),
        foreign.id: ("ws-2", "Theirs", 1, False),
    }
