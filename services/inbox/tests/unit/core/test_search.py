"""The chat's search terms and facets: normalised words, one facet per value (``<kind>:`` for none),
the visibility scope as facets, and how each write keeps them current and bounded."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from inbox.core.models import Chat
from inbox.core.search import (
    MAX_FIELD_TERMS,
    MAX_MESSAGE_TERMS,
    MAX_MESSAGE_WORDS,
    chat_facets,
    facets_of,
    field_facet,
    index_update,
    new_chat_index,
    rebuilt_index,
    scope_facets,
)
from livechat_shared.auth import Principal, Role, can_see_chat
from livechat_shared.text import MAX_WORD, field_value_key, normalise, words

AT = datetime(2026, 1, 5, tzinfo=UTC)


def chat(**fields: object) -> Chat:
    base: dict[str, object] = {
        "_id": "01JCHAT",
        "workspace_id": "ws",
        "teamspace_id": "ts",
        "app_id": "app",
        "app": {"id": "app", "channel": "webchat", "name": "Site"},
        "person_id": "p",
        "person": {"id": "p", "name": "Zoë Adams"},
        "person_external_id": "v",
        "mode": "ai",
        "status": "open",
        "team_ids": ["t1"],
        "created_at": AT,
        "updated_at": AT,
        "version": 3,
        "next_seq": 2,
    }
    made = Chat.model_validate(base | fields)
    index = {} if "facets" in fields else rebuilt_index(made, ["hello there"])
    return made.model_copy(update=index)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Café", "cafe"),
        ("REFUND", "refund"),
        ("Straße", "strasse"),
        ("ﬁle", "file"),
        ("İstanbul", "istanbul"),
        ("Ångström naïve", "angstrom naive"),
    ],
)
def test_normalise_folds_case_accents_and_compatibility_forms(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_words_are_distinct_normalised_letters_and_digits_in_order() -> None:
    assert words("Refund? refund, my CAFÉ-order #42_b x", 10) == ["refund", "my", "cafe", "order", "42"]
    assert words("a b c", 10) == []  # one letter is too short to keep...
    assert words("a b c", 10, shortest=1) == ["a", "b", "c"]  # ...but a query may use it
    assert words("one two three four", 2) == ["one", "two"]
    assert words("x" * 100, 5) == ["x" * MAX_WORD]


@pytest.mark.parametrize(
    ("value", "key"),
    [
        (5, "5"),
        (5.0, "5"),
        ("5", "5"),
        (" 5.0 ", "5"),
        (2.5, "2.5"),
        (True, "true"),
        (False, "false"),
        ("Gold  Plan", "gold plan"),
        ("Crème", "creme"),
        ("2026-01-05", "2026-01-05"),
        ("1e999", "1e999"),
        ("y" * 300, "y" * 100),
    ],
)
def test_a_custom_field_value_has_one_form_for_the_facet_and_the_filter(value: object, key: str) -> None:
    assert field_value_key(value) == key
    assert field_facet("plan", value) == f"cf:plan={key}"


def test_facets_name_every_value_and_none_where_the_field_has_none() -> None:
    bare = facets_of(
        status="open", mode="ai", assignee_id=None, team_ids=[], tags=[], rating=None, custom_fields={}
    )
    assert bare == ["status:open", "mode:ai", "agent:", "team:", "tag:", "csat:"]
    full = facets_of(
        status="pending",
        mode="live",
        assignee_id=None,
        team_ids=["t1", "t2"],
        tags=["vip", "bug"],
        rating={"score": 4, "comment": "", "at": AT},
        custom_fields={"plan": "Gold", "seats": 5, "trial": False, "empty": None},
    )
    assert full == [
        "status:pending",
        "mode:live",
        "agent:",
        "team:t1",
        "team:t2",
        "pool:t1",
        "pool:t2",
        "tag:vip",
        "tag:bug",
        "csat:4",
        "cf:plan=gold",
        "cf:seats=5",
        "cf:trial=false",
    ]
    held = facets_of(
        status="open", mode="live", assignee_id="u1", team_ids=["t1"], tags=[], rating={}, custom_fields={}
    )
    assert "agent:u1" in held and not any(f.startswith("pool:") for f in held)  # nobody's pool


USERS = [
    Principal(user_id="admin", workspace_id="ws", role=Role.ADMIN),
    Principal(user_id="sup", workspace_id="ws", role=Role.SUPERVISOR, teams=frozenset({"t1"})),
    Principal(user_id="me", workspace_id="ws", role=Role.AGENT, teams=frozenset({"t1", "t3"})),
    Principal(user_id="loner", workspace_id="ws", role=Role.AGENT),
]


@pytest.mark.parametrize(
    ("user", "assignee", "teams"),
    list(itertools.product(USERS, [None, "me", "sup", "other"], [[], ["t1"], ["t2"], ["t1", "t2"], ["t3"]])),
)
def test_the_scope_facets_agree_with_the_visibility_rule(
    user: Principal, assignee: str | None, teams: list[str]
) -> None:
    seen = chat(assignee_id=assignee, team_ids=teams, mode="live")
    scope = scope_facets(user)
    listed = scope is None or not set(scope).isdisjoint(chat_facets(seen))
    assert listed == can_see_chat(user, seen.scope())


def test_new_chat_index_has_the_id_name_and_first_message_words() -> None:
    index = new_chat_index("01JNEW", "Zoë Adams", ["t1"], "I want a REFUND please")
    assert index["terms"] == ["01jnew", "zoe", "adams", "want", "refund", "please"]
    assert index["message_terms"] == ["want", "refund", "please"]
    assert index["facets"] == ["status:open", "mode:ai", "agent:", "team:t1", "pool:t1", "tag:", "csat:"]


def test_a_message_adds_its_new_words_in_the_same_update() -> None:
    before = chat()
    update = index_update(before, {"updated_at": AT}, ["Hello again, Refund!"])
    assert update.set == {}
    assert update.add == {
        "message_terms": {"$each": ["again", "refund"]},
        "terms": {"$each": ["again", "refund"]},
    }
    assert index_update(before, {"updated_at": AT}, ["hello"]) == index_update(before, {}, [])


def test_a_new_description_replaces_its_words_and_keeps_the_messages() -> None:
    before = chat(description="broken printer")
    before = before.model_copy(update=rebuilt_index(before, ["printer on fire"]))
    update = index_update(before, {"description": "Billing question"}, [])
    assert update.add == {}
    assert update.set["terms"] == ["01jchat", "zoe", "adams", "billing", "question", "printer", "on", "fire"]
    assert "broken" not in update.set["terms"]
    assert "message_terms" not in update.set  # unchanged


def test_a_change_of_a_filtered_field_rewrites_the_facets() -> None:
    before = chat()
    update = index_update(before, {"assignee_id": "u1", "mode": "live", "tags": ["vip"]}, [])
    assert update.set == {
        "facets": ["status:open", "mode:live", "agent:u1", "team:t1", "tag:vip", "csat:"],
    }
    assert index_update(before, {"updated_at": AT}, []).set == {}


def test_a_chat_stored_before_facets_gets_them_all_at_its_next_write() -> None:
    legacy = chat(facets=[], terms=[], message_terms=[])
    update = index_update(legacy, {"updated_at": AT}, ["first words"])
    assert update.set["facets"] == chat_facets(legacy)
    assert update.set["terms"] == ["01jchat", "zoe", "adams", "first", "words"]
    assert update.set["message_terms"] == ["first", "words"]
    assert update.add == {}


def test_terms_are_bounded() -> None:
    many = [" ".join(f"w{n}x{i}" for i in range(MAX_MESSAGE_WORDS * 2)) for n in range(20)]
    index = rebuilt_index(chat(description=" ".join(f"d{i}x" for i in range(500))), many)
    assert len(index["message_terms"]) == MAX_MESSAGE_TERMS
    assert len(index["terms"]) == MAX_FIELD_TERMS + MAX_MESSAGE_TERMS
    assert "w0x49" in index["terms"] and "w0x50" not in index["terms"]  # a message gives its first words
    full = chat().model_copy(update=index)
    assert index_update(full, {}, ["brand new words"]).add == {}
