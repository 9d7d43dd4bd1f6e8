"""The ``tag_group`` filter of an export means what it means in the inbox's table: a chat with a tag
of any named group; ``none``: a chat with no tag of any group (untagged, or ungrouped tags only); OR
within the field, AND with the others. The groups' tags are read when the job runs (``GroupTags``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from export.exports.rules import filter_query, tag_groups_wanted
from export.exports.schemas import ExportFilters, GroupTags

Match = Callable[[dict[str, Any], dict[str, Any]], bool]

# Groups: billing = {refund, invoice}, sales = {lead}; "angry" is in no group; "old" was deleted
# (in no group any more, though chats still carry it).
GROUPS = {"billing": ["refund", "invoice"], "sales": ["lead"]}
GROUPED = ["refund", "invoice", "lead"]
CHATS: dict[str, dict[str, Any]] = {
    "refund": {"status": "open", "tags": ["refund"]},
    "invoice+angry": {"status": "resolved", "tags": ["invoice", "angry"]},
    "lead": {"status": "open", "tags": ["lead"]},
    "angry": {"status": "open", "tags": ["angry"]},
    "old": {"status": "open", "tags": ["old"]},
    "untagged": {"status": "open", "tags": []},
    "no tags field": {"status": "open"},
}


def groups_for(filters: ExportFilters) -> GroupTags:
    """What the job reads from the copy for ``filters`` (as ``ExportJobs`` does)."""
    named, none = tag_groups_wanted(filters)
    return GroupTags(
        named=[t for g in named for t in GROUPS.get(g, [])],
        grouped=GROUPED if none else [],
    )


def selected(raw: dict[str, Any], match: Match) -> set[str]:
    filters = ExportFilters.model_validate(raw)
    query = filter_query(filters, groups_for(filters))
    return {name for name, chat in CHATS.items() if match(chat, query)}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"tag_group": "billing"}, {"refund", "invoice+angry"}),
        ({"tag_group": ["billing", "sales"]}, {"refund", "invoice+angry", "lead"}),  # OR within
        ({"tag_group": ["no-such-group"]}, set()),  # a group without tags holds no chat
        ({"tag_group": ["none"]}, {"angry", "old", "untagged", "no tags field"}),
        ({"tag_group": ["sales", "none"]}, {"lead", "angry", "old", "untagged", "no tags field"}),
        ({"tag_group": ["billing"], "status": ["open"]}, {"refund"}),  # AND across fields
        ({"tag_group": ["none"], "tag": ["angry"]}, {"angry"}),
        ({"tag_group": ["billing"], "tag": ["none"]}, set()),
    ],
)
def test_tag_groups_select_the_chats_the_table_would(
    filters: dict[str, Any], expected: set[str], match: Match
) -> None:
    assert selected(filters, match) == expected


def test_what_the_job_must_read_of_the_groups() -> None:
    assert tag_groups_wanted(ExportFilters()) == ([], False)
    assert tag_groups_wanted(ExportFilters(tag_group=["g-1", "none", "g-2"])) == (["g-1", "g-2"], True)
    assert tag_groups_wanted(ExportFilters(tag_group=["none"])) == ([], True)


def test_the_filter_is_never_applied_without_the_groups_tags() -> None:
    assert filter_query(ExportFilters(tag=["t-1"])) == {"tags": {"$in": ["t-1"]}}  # none needed
    with pytest.raises(ValueError, match="tag_group"):
        filter_query(ExportFilters(tag_group=["g-1"]))
