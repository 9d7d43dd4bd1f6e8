"""The words chats are found by: case and accents ignored, matched by prefix."""

from __future__ import annotations

from export.core.text import MAX_QUERY_WORDS, field_values, prefix_pattern, query_prefixes, terms
from livechat_shared.text import MAX_WORD, field_value_key, normalise, words


def test_case_and_accents_are_ignored() -> None:
    assert normalise("Crème BRÛLÉE, Ångström") == "creme brulee, angstrom"
    assert words("Où est l'agent? ÇA-VA", 10, shortest=1) == ["ou", "est", "l", "agent", "ca", "va"]


def test_long_words_are_cut_so_a_document_stays_small() -> None:
    assert terms(["x" * 100]) == ["x" * MAX_WORD]


def test_a_chats_words_are_the_words_the_inboxs_table_finds_it_by() -> None:
    """The same splitter as the inbox's (``livechat_shared.text.words``): letters and digits, one
    letter too short to keep, so an export of ``q=123`` finds the chats the table finds."""
    assert terms(["Order_123 a-b, L'été"]) == ["123", "ete", "order"]
    assert query_prefixes("order_1 l") == ["order", "1", "l"]  # a query may use one letter


def test_a_documents_words_are_distinct_sorted_and_bounded() -> None:
    assert terms(["bb aa", None, "AA cc"]) == ["aa", "bb", "cc"]
    assert len(terms([" ".join(f"w{n}" for n in range(1000))], limit=10)) == 10


def test_a_query_has_its_distinct_words_and_at_most_a_few() -> None:
    assert query_prefixes("Refund refund ÉTÉ") == ["refund", "ete"]
    assert len(query_prefixes(" ".join(f"w{n}" for n in range(20)))) == MAX_QUERY_WORDS
    assert query_prefixes("  ,;  ") == []


def test_a_prefix_is_anchored_and_taken_literally() -> None:
    assert prefix_pattern("ref") == "^ref"
    assert prefix_pattern("a.b*") == r"^a\.b\*"


def test_custom_field_values_compare_as_the_table_compares_them() -> None:
    assert [field_value_key(v) for v in (5, 5.0, "5", " 5.0 ", 2.5, "1e3")] == [
        "5",
        "5",
        "5",
        "5",
        "2.5",
        "1000",
    ]
    assert [field_value_key(v) for v in (True, "Crème  Brûlée ", "nan", "x" * 150)] == [
        "true",
        "creme brulee",
        "nan",
        "x" * 100,
    ]
    assert field_values({"size": "XL", "n": 3, "none": None, "empty": ""}) == ["n=3", "size=xl"]
