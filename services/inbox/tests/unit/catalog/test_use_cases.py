"""The catalog's use cases against in-memory repositories (see ``unit/catalog/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from inbox.catalog.schemas import (
    AliasCreate,
    AliasUpdate,
    CannedReplyCreate,
    CannedReplyUpdate,
    CustomFieldCreate,
    CustomFieldUpdate,
    TagCreate,
    TagGroupCreate,
    TagGroupUpdate,
    TagUpdate,
)
from inbox.catalog.use_cases import CatalogUseCases
from inbox.errors import (
    DuplicateSetting,
    ImmutableField,
    InvalidFieldDefinition,
    InvalidFieldValue,
    SettingNotFound,
    SettingsForbidden,
    UnknownTagGroup,
)
from livechat_shared.auth import Permission, Principal, Role
from livechat_shared.pagination import PageParams

ADMIN = Principal(user_id="u-admin", workspace_id="ws-1", role=Role.ADMIN)
SUPERVISOR = Principal(user_id="u-sup", workspace_id="ws-1", role=Role.SUPERVISOR, teams=frozenset({"t-1"}))
AGENT = Principal(user_id="u-agent", workspace_id="ws-1", role=Role.AGENT, teams=frozenset({"t-1"}))
GRANTED = Principal(
    user_id="u-granted", workspace_id="ws-1", role=Role.AGENT, grants=frozenset({Permission.SETTINGS})
)
FOREIGN = Principal(user_id="u-foreign", workspace_id="ws-2", role=Role.ADMIN)
ALL = PageParams(page=1, page_size=200)


def tag(name: str = "VIP", **values: Any) -> TagCreate:
    return TagCreate.model_validate({"teamspace_id": "ts-1", "name": name, **values})


def group(name: str = "Billing", teamspace_id: str = "ts-1") -> TagGroupCreate:
    return TagGroupCreate(teamspace_id=teamspace_id, name=name)


def field(type_: str = "text", key: str = "plan", **values: Any) -> CustomFieldCreate:
    return CustomFieldCreate.model_validate(
        {"teamspace_id": "ts-1", "key": key, "name": key.title(), "type": type_, **values}
    )


def reply(shortcut: str = "hello", **values: Any) -> CannedReplyCreate:
    return CannedReplyCreate.model_validate(
        {
            "teamspace_id": "ts-1",
            "shortcut": shortcut,
            "title": "Hello",
            "body": "Hi {{person.name}}",
            **values,
        }
    )


def alias(name: str = "Support team", **values: Any) -> AliasCreate:
    return AliasCreate.model_validate({"teamspace_id": "ts-1", "name": name, **values})


def count(catalog: Any) -> dict[str, int]:
    return {name: len(items) for name, items in catalog.db.collections.items()}


# --- who may read and change ------------------------------------------------------------------


async def test_an_agent_lists_but_cannot_change_the_settings(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    made = await uc.create_tag(ADMIN, tag())
    before = count(catalog)

    listed = await uc.list_tags(AGENT, None, ALL)
    assert ([t.id for t in listed.items], listed.total) == ([made.id], 1)
    attempts = [
        uc.create_tag(AGENT, tag("Other")),
        uc.update_tag(AGENT, made.id, TagUpdate(name="Mine")),
        uc.delete_tag(AGENT, made.id),
        uc.create_tag_group(AGENT, group()),
        uc.update_tag_group(AGENT, "g-1", TagGroupUpdate(name="x")),
        uc.delete_tag_group(AGENT, "g-1"),
        uc.create_custom_field(AGENT, field()),
        uc.update_custom_field(AGENT, "f-1", CustomFieldUpdate(name="x")),
        uc.delete_custom_field(AGENT, "f-1"),
        uc.create_canned_reply(AGENT, reply()),
        uc.update_canned_reply(AGENT, "r-1", CannedReplyUpdate(title="x")),
        uc.delete_canned_reply(AGENT, "r-1"),
        uc.create_alias(AGENT, alias()),
        uc.update_alias(AGENT, "a-1", AliasUpdate(name="x")),
        uc.delete_alias(AGENT, "a-1"),
    ]
    for attempt in attempts:
        with pytest.raises(SettingsForbidden) as refused:
            await attempt
        assert refused.value.code == "forbidden"
    assert count(catalog) == before
    assert catalog.tags.items[made.id].name == "VIP"


@pytest.mark.parametrize("user", [ADMIN, SUPERVISOR, GRANTED], ids=["admin", "supervisor", "granted agent"])
async def test_the_settings_permission_changes_them(catalog: Any, user: Principal) -> None:
    uc: CatalogUseCases = catalog.use_cases
    made = await uc.create_tag(user, tag())
    assert (await uc.update_tag(user, made.id, TagUpdate(name="Gold"))).name == "Gold"
    await uc.delete_tag(user, made.id)
    assert catalog.tags.items == {}


# --- tags and tag groups ----------------------------------------------------------------------


async def test_a_tag_is_stored_as_sent_in_the_callers_workspace(catalog: Any) -> None:
    made = await catalog.use_cases.create_tag(ADMIN, tag(" VIP ", colour="#FFAA00"))
    assert (made.workspace_id, made.teamspace_id, made.name, made.colour, made.group_id) == (
        "ws-1",
        "ts-1",
        "VIP",
        "#ffaa00",
        None,
    )
    assert made.created_at == made.updated_at and made.created_at.microsecond % 1000 == 0
    assert catalog.tags.items[made.id] == made
    assert catalog.db.transactions == 1  # the tag with its announcement


async def test_tag_names_are_unique_per_teamspace_ignoring_case(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    first = await uc.create_tag(ADMIN, tag("VIP customers"))
    for clash in ("VIP customers", "vip  CUSTOMERS", " Vip Customers "):
        with pytest.raises(DuplicateSetting) as refused:
            await uc.create_tag(ADMIN, tag(clash))
        assert refused.value.code == "duplicate"
        assert "already has a tag with the name" in refused.value.message
    await uc.create_tag(ADMIN, tag("VIP customers", teamspace_id="ts-2"))  # another teamspace
    await uc.create_tag(FOREIGN, tag("VIP customers"))  # another workspace
    other = await uc.create_tag(ADMIN, tag("Churned"))
    with pytest.raises(DuplicateSetting):
        await uc.update_tag(ADMIN, other.id, TagUpdate(name="vip customers"))
    assert catalog.tags.items[other.id].name == "Churned"
    assert (await uc.update_tag(ADMIN, first.id, TagUpdate(name="VIP Customers"))).name == "VIP Customers"
    assert len(catalog.tags.items) == 4


async def test_a_tag_joins_a_group_of_its_own_teamspace_only(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    here = await uc.create_tag_group(ADMIN, group())
    there = await uc.create_tag_group(ADMIN, group(teamspace_id="ts-2"))
    foreign = await uc.create_tag_group(FOREIGN, group())

    grouped = await uc.create_tag(ADMIN, tag(group_id=here.id))
    assert grouped.group_id == here.id
    for group_id in (there.id, foreign.id, "no-such-group"):
        with pytest.raises(UnknownTagGroup) as refused:
            await uc.create_tag(ADMIN, tag("Other", group_id=group_id))
        assert refused.value.code == "unknown_tag_group"
        with pytest.raises(UnknownTagGroup):
            await uc.update_tag(ADMIN, grouped.id, TagUpdate(group_id=group_id, name="Renamed"))
    assert [t.name for t in catalog.tags.items.values()] == ["VIP"]
    assert catalog.tags.items[grouped.id].group_id == here.id


async def test_moving_a_tag_between_groups_and_out(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    first, second = await uc.create_tag_group(ADMIN, group("A")), await uc.create_tag_group(ADMIN, group("B"))
    made = await uc.create_tag(ADMIN, tag(group_id=first.id))
    moved = await uc.update_tag(ADMIN, made.id, TagUpdate(group_id=second.id))
    assert moved.group_id == second.id and moved.updated_at >= made.updated_at
    assert (await uc.update_tag(ADMIN, made.id, TagUpdate(group_id=None))).group_id is None
    with pytest.raises(SettingNotFound):
        await uc.update_tag(ADMIN, "no-such-tag", TagUpdate(group_id=first.id))


async def test_deleting_a_group_ungroups_its_tags(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    doomed, kept = (
        await uc.create_tag_group(ADMIN, group("Doomed")),
        await uc.create_tag_group(ADMIN, group("Kept")),
    )
    a = await uc.create_tag(ADMIN, tag("A", group_id=doomed.id))
    b = await uc.create_tag(ADMIN, tag("B", group_id=doomed.id))
    c = await uc.create_tag(ADMIN, tag("C", group_id=kept.id))

    await uc.delete_tag_group(ADMIN, doomed.id)

    assert set(catalog.tag_groups.items) == {kept.id}
    tags = catalog.tags.items
    assert (tags[a.id].group_id, tags[b.id].group_id, tags[c.id].group_id) == (None, None, kept.id)
    assert tags[a.id].updated_at >= a.updated_at
    with pytest.raises(SettingNotFound) as missing:
        await uc.delete_tag_group(ADMIN, doomed.id)
    assert missing.value.message == "tag group not found"


async def test_tag_group_names_are_unique_per_teamspace(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    billing = await uc.create_tag_group(ADMIN, group("Billing"))
    with pytest.raises(DuplicateSetting, match="tag group with the name 'billing'"):
        await uc.create_tag_group(ADMIN, group("billing"))
    sales = await uc.create_tag_group(ADMIN, group("Sales"))
    with pytest.raises(DuplicateSetting):
        await uc.update_tag_group(ADMIN, sales.id, TagGroupUpdate(name="BILLING"))
    assert (await uc.update_tag_group(ADMIN, billing.id, TagGroupUpdate(name="Invoices"))).name == "Invoices"


# --- custom fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "extra", "default"),
    [
        ("text", {}, "Free"),
        ("number", {}, 3),
        ("number", {}, 2.5),
        ("toggle", {}, False),
        ("dropdown", {"options": ["gold", "silver"]}, "silver"),
        ("date", {}, "2026-06-30"),
        ("text", {}, None),
    ],
)
async def test_a_field_of_each_type_with_its_default(
    catalog: Any, type_: str, extra: dict[str, Any], default: object
) -> None:
    made = await catalog.use_cases.create_custom_field(ADMIN, field(type_, default=default, **extra))
    assert (made.type, made.default, made.options) == (type_, default, extra.get("options", []))
    assert catalog.fields.items[made.id] == made


async def test_a_default_is_normalised(catalog: Any) -> None:
    made = await catalog.use_cases.create_custom_field(ADMIN, field("text", default="  padded "))
    assert made.default == "padded"


@pytest.mark.parametrize(
    ("type_", "extra", "default"),
    [
        ("text", {}, 5),
        ("number", {}, "5"),
        ("number", {}, True),
        ("toggle", {}, "yes"),
        ("dropdown", {"options": ["gold"]}, "bronze"),
        ("date", {}, "2026-02-30"),
        ("date", {}, "30/06/2026"),
    ],
)
async def test_a_default_must_fit_the_type(
    catalog: Any, type_: str, extra: dict[str, Any], default: object
) -> None:
    with pytest.raises(InvalidFieldValue) as refused:
        await catalog.use_cases.create_custom_field(ADMIN, field(type_, default=default, **extra))
    assert "'Plan' (plan)" in refused.value.message
    assert catalog.fields.items == {}


async def test_options_are_for_dropdowns_only(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    with pytest.raises(InvalidFieldDefinition):
        await uc.create_custom_field(ADMIN, field("dropdown"))
    with pytest.raises(InvalidFieldDefinition):
        await uc.create_custom_field(ADMIN, field("text", options=["a"]))
    with pytest.raises(InvalidFieldDefinition):
        await uc.create_custom_field(ADMIN, field("dropdown", options=["a", "A"]))
    assert catalog.fields.items == {}


async def test_keys_are_unique_per_teamspace(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    await uc.create_custom_field(ADMIN, field(key="plan"))
    with pytest.raises(DuplicateSetting, match="custom field with the key 'plan'"):
        await uc.create_custom_field(ADMIN, field("number", key="plan"))
    await uc.create_custom_field(ADMIN, field(key="plan", teamspace_id="ts-2"))
    await uc.create_custom_field(FOREIGN, field(key="plan"))
    assert len(catalog.fields.items) == 3


@pytest.mark.parametrize(
    ("sent", "named"),
    [
        ({"type": "number"}, ["type"]),
        ({"key": "tier"}, ["key"]),
        ({"default": "silver"}, ["default"]),
        ({"default": None}, ["default"]),
        ({"name": "Tier", "key": "tier", "type": "text"}, ["key", "type"]),
    ],
)
async def test_key_type_and_default_are_fixed(catalog: Any, sent: dict[str, Any], named: list[str]) -> None:
    uc: CatalogUseCases = catalog.use_cases
    made = await uc.create_custom_field(ADMIN, field("dropdown", options=["gold", "silver"], default="gold"))
    with pytest.raises(ImmutableField) as refused:
        await uc.update_custom_field(ADMIN, made.id, CustomFieldUpdate.model_validate(sent))
    assert refused.value.code == "immutable_field"
    assert refused.value.details == {"fields": named}
    assert catalog.fields.items[made.id] == made


async def test_a_field_is_renamed_described_and_given_options(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    made = await uc.create_custom_field(ADMIN, field("dropdown", options=["gold", "silver"], default="gold"))
    same_fixed = {"key": "plan", "type": "dropdown", "default": "gold"}  # sent back unchanged: no change
    changed = await uc.update_custom_field(
        ADMIN,
        made.id,
        CustomFieldUpdate.model_validate(
            {"name": "Tier", "description": "The plan", "options": ["gold", "bronze"], **same_fixed}
        ),
    )
    assert (changed.name, changed.description, changed.options) == ("Tier", "The plan", ["gold", "bronze"])
    assert (changed.key, changed.type, changed.default) == ("plan", "dropdown", "gold")
    with pytest.raises(InvalidFieldDefinition, match="keep the field's default"):
        await uc.update_custom_field(ADMIN, made.id, CustomFieldUpdate(options=["silver"]))
    text = await uc.create_custom_field(ADMIN, field("text", key="note"))
    with pytest.raises(InvalidFieldDefinition, match="only a dropdown"):
        await uc.update_custom_field(ADMIN, text.id, CustomFieldUpdate(options=["a"]))
    assert catalog.fields.items[made.id].options == ["gold", "bronze"]


async def test_an_empty_change_answers_the_setting_unchanged(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    made = await uc.create_custom_field(ADMIN, field())
    assert await uc.update_custom_field(ADMIN, made.id, CustomFieldUpdate()) == made
    with pytest.raises(SettingNotFound):
        await uc.update_alias(ADMIN, "no-such-alias", AliasUpdate())


# --- canned replies and aliases ---------------------------------------------------------------


async def test_canned_reply_shortcuts_are_unique_per_teamspace(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    hello = await uc.create_canned_reply(ADMIN, reply("hello"))
    assert hello.body == "Hi {{person.name}}"
    with pytest.raises(DuplicateSetting, match="shortcut 'hello'"):
        await uc.create_canned_reply(ADMIN, reply("hello", title="Again"))
    bye = await uc.create_canned_reply(ADMIN, reply("bye"))
    with pytest.raises(DuplicateSetting):
        await uc.update_canned_reply(ADMIN, bye.id, CannedReplyUpdate(shortcut="hello"))
    await uc.create_canned_reply(ADMIN, reply("hello", teamspace_id="ts-2"))
    changed = await uc.update_canned_reply(ADMIN, bye.id, CannedReplyUpdate(shortcut="goodbye", title="Bye"))
    assert (changed.shortcut, changed.title) == ("goodbye", "Bye")


async def test_aliases_need_no_unique_name_and_lose_their_avatar_with_null(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    first = await uc.create_alias(ADMIN, alias(avatar_url="https://cdn.example/a.png"))
    await uc.create_alias(ADMIN, alias())
    cleared = await uc.update_alias(ADMIN, first.id, AliasUpdate(avatar_url=None))
    assert cleared.avatar_url is None and cleared.name == "Support team"
    assert (await uc.list_aliases(AGENT, "ts-1", ALL)).total == 2


# --- workspaces and lists ---------------------------------------------------------------------


async def test_another_workspaces_settings_do_not_exist(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    made = {
        "tag": await uc.create_tag(ADMIN, tag()),
        "group": await uc.create_tag_group(ADMIN, group()),
        "field": await uc.create_custom_field(ADMIN, field()),
        "reply": await uc.create_canned_reply(ADMIN, reply()),
        "alias": await uc.create_alias(ADMIN, alias()),
    }
    before = copy_state(catalog)
    attempts = [
        uc.update_tag(FOREIGN, made["tag"].id, TagUpdate(name="Mine")),
        uc.update_tag(FOREIGN, made["tag"].id, TagUpdate(group_id=made["group"].id)),
        uc.delete_tag(FOREIGN, made["tag"].id),
        uc.update_tag_group(FOREIGN, made["group"].id, TagGroupUpdate(name="Mine")),
        uc.delete_tag_group(FOREIGN, made["group"].id),
        uc.update_custom_field(FOREIGN, made["field"].id, CustomFieldUpdate(name="Mine")),
        uc.delete_custom_field(FOREIGN, made["field"].id),
        uc.update_canned_reply(FOREIGN, made["reply"].id, CannedReplyUpdate(title="Mine")),
        uc.delete_canned_reply(FOREIGN, made["reply"].id),
        uc.update_alias(FOREIGN, made["alias"].id, AliasUpdate(name="Mine")),
        uc.delete_alias(FOREIGN, made["alias"].id),
    ]
    for attempt in attempts:
        with pytest.raises(SettingNotFound) as missing:
            await attempt
        assert missing.value.code == "not_found"
    assert copy_state(catalog) == before
    lists = [
        await uc.list_tags(FOREIGN, None, ALL),
        await uc.list_tag_groups(FOREIGN, "ts-1", ALL),
        await uc.list_custom_fields(FOREIGN, None, ALL),
        await uc.list_canned_replies(FOREIGN, None, ALL),
        await uc.list_aliases(FOREIGN, None, ALL),
    ]
    assert [(page.items, page.total) for page in lists] == [([], 0)] * 5


def copy_state(catalog: Any) -> dict[str, dict[str, Any]]:
    return {name: dict(items) for name, items in catalog.db.collections.items()}


async def test_lists_are_paged_and_filtered_by_teamspace(catalog: Any) -> None:
    uc: CatalogUseCases = catalog.use_cases
    for name in ("charlie", "Alpha", "bravo"):
        await uc.create_tag(ADMIN, tag(name))
    await uc.create_tag(ADMIN, tag("Zulu", teamspace_id="ts-0"))

    everything = await uc.list_tags(AGENT, None, ALL)
    assert [t.name for t in everything.items] == ["Zulu", "Alpha", "bravo", "charlie"]
    second = await uc.list_tags(AGENT, "ts-1", PageParams(page=2, page_size=2))
    assert ([t.name for t in second.items], second.total, second.page, second.page_size) == (
        ["charlie"],
        3,
        2,
        2,
    )
    assert (await uc.list_tags(AGENT, "ts-9", ALL)).total == 0
