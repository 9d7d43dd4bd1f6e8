"""What the chat table finds chats by, derived from a chat and kept on its document (pure).

Every chat document carries two indexed, storage-only arrays (indexes: :mod:`inbox.core.store`),
rewritten by the write that changes what they derive from, never by a write of their own:

``facets``
    One ``<kind>:<value>`` key per value the table filters by: ``status:open``, ``mode:ai``,
    ``agent:<user id>``, ``team:<team id>``, ``tag:<tag id>``, ``csat:<score>``,
    ``cf:<field key>=<value>``; and ``<kind>:`` (no value) where the chat has none (no assignee,
    no team, no tag, no rating), so that filtering by "none" is an equality like any other.
    ``pool:<team id>`` marks an unassigned chat of a team: with ``agent:`` and ``team:`` keys it is
    what a user's visibility scope asks for (:func:`scope_facets`), so every table query is a few
    equalities on one array, served by one compound index whatever the mix of filters.
``terms``
    The normalised words (:func:`words`) of the chat's id, its person's name, its description and
    its messages, matched by word prefix with a range on the index. The message words are kept on
    their own as well (``message_terms``, not indexed), so a new description or name replaces its
    own words without reading the messages back.

Both are bounded: a message gives at most :data:`MAX_MESSAGE_WORDS` words, a chat keeps its first
:data:`MAX_MESSAGE_TERMS` distinct message words (what a person asks first is what they are found
by) and :data:`MAX_FIELD_TERMS` words of its id, name and description.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from livechat_shared.auth import Principal, Role
from livechat_shared.text import field_value_key, words

from .models import Chat, PersonOnChat

MAX_MESSAGE_WORDS = 50
MAX_MESSAGE_TERMS = 200
MAX_FIELD_TERMS = 50

FACET_FIELDS = ("status", "mode", "assignee_id", "team_ids", "tags", "rating", "custom_fields")
"""The chat's fields its facets derive from."""
TERM_FIELDS = ("person", "description")
"""The chat's fields (besides its id) its non-message terms derive from."""


def field_terms(chat_id: str, person_name: str, description: str) -> list[str]:
    """The terms of the chat's fields: its id first, then its person's name, then its description."""
    found = [*words(chat_id, 4), *words(person_name, 10), *words(description, MAX_FIELD_TERMS)]
    return list(dict.fromkeys(found))[:MAX_FIELD_TERMS]


def new_message_terms(have: Sequence[str], texts: Iterable[str]) -> list[str]:
    """The words of new messages' ``texts`` a chat holding the message terms ``have`` keeps."""
    room = MAX_MESSAGE_TERMS - len(have)
    known = set(have)
    added: list[str] = []
    for text in texts:
        for word in words(text, MAX_MESSAGE_WORDS):
            if len(added) >= room:
                return added
            if word not in known:
                known.add(word)
                added.append(word)
    return added


def combined_terms(fields: Sequence[str], messages: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*fields, *messages]))


# --- facets -------------------------------------------------------------------------------------


def facet(kind: str, value: object | None) -> str:
    """The facet of one value of a kind; ``None`` (no value) gives ``<kind>:``."""
    return f"{kind}:{'' if value is None else value}"


def field_facet(key: str, value: object) -> str:
    return f"cf:{key}={field_value_key(value)}"


def field_facet_range(key: str) -> tuple[str, str]:
    """The range every facet of the custom field ``key`` falls in, whatever its value."""
    return f"cf:{key}=", f"cf:{key}>"  # ">" follows "=" in every collation order


def facets_of(
    *,
    status: str,
    mode: str,
    assignee_id: str | None,
    team_ids: Sequence[str],
    tags: Sequence[str],
    rating: Mapping[str, Any] | None,
    custom_fields: Mapping[str, Any],
) -> list[str]:
    """The facets of a chat in this state (see the module's documentation)."""
    keys = [facet("status", status), facet("mode", mode), facet("agent", assignee_id)]
    keys += [facet("team", t) for t in team_ids] or [facet("team", None)]
    if assignee_id is None:
        keys += [facet("pool", t) for t in team_ids]
    keys += [facet("tag", t) for t in tags] or [facet("tag", None)]
    score = rating.get("score") if rating else None
    has_score = isinstance(score, int) and not isinstance(score, bool)
    keys.append(facet("csat", score if has_score else None))
    keys += [field_facet(k, v) for k, v in sorted(custom_fields.items()) if v is not None]
    return list(dict.fromkeys(keys))


def chat_facets(chat: Chat) -> list[str]:
    return facets_of(**{name: getattr(chat, name) for name in FACET_FIELDS})


def scope_facets(user: Principal) -> list[str] | None:
    """The facets of the chats ``user`` may see, any one of them enough (``None``: every chat of
    the workspace); the list-query twin of :func:`livechat_shared.auth.can_see_chat`."""
    if user.role is Role.ADMIN:
        return None
    teams = sorted(user.teams)
    mine = facet("agent", user.user_id)
    if user.role is Role.SUPERVISOR:
        return [mine, *(facet("team", t) for t in teams)]
    return [mine, *(facet("pool", t) for t in teams)]


# --- keeping them current -----------------------------------------------------------------------


@dataclass(frozen=True)
class IndexUpdate:
    """What a chat write adds to its update so the chat's facets and terms stay current."""

    set: dict[str, Any] = field(default_factory=dict)
    """``$set``: recomputed facets, terms (a field they derive from changed)."""
    add: dict[str, Any] = field(default_factory=dict)
    """``$addToSet``: the words of the write's new messages."""


def index_update(chat: Chat, changes: Mapping[str, Any], texts: Sequence[str] = ()) -> IndexUpdate:
    """What to add to the write that applies ``changes`` (``$set``) to ``chat`` (as read in the same
    transaction, the write conditional on its version) and stores messages of ``texts``.

    A chat stored before facets existed (none on it) gets all of them computed here."""
    state = {name: changes[name] if name in changes else getattr(chat, name) for name in FACET_FIELDS}
    facets = facets_of(**state)
    sets: dict[str, Any] = {"facets": facets} if facets != chat.facets else {}
    added = new_message_terms(chat.message_terms, texts)
    if not chat.facets or any(name in changes for name in TERM_FIELDS):
        person = changes.get("person", chat.person)
        name = person.name if isinstance(person, PersonOnChat) else str(person.get("name") or "")
        fields = field_terms(chat.id, name, str(changes.get("description", chat.description)))
        message_terms = [*chat.message_terms, *added]
        terms = combined_terms(fields, message_terms)
        sets |= {"terms": terms} if terms != chat.terms else {}
        sets |= {"message_terms": message_terms} if added else {}
        return IndexUpdate(set=sets)
    if not added:
        return IndexUpdate(set=sets)
    return IndexUpdate(set=sets, add={f: {"$each": added} for f in ("message_terms", "terms")})


def rebuilt_index(chat: Chat, texts: Iterable[str]) -> dict[str, list[str]]:
    """The facets, terms and message terms of ``chat`` computed afresh from its fields and the
    texts of its messages (in order)."""
    message_terms = new_message_terms([], texts)
    fields = field_terms(chat.id, chat.person.name, chat.description)
    return {
        "facets": chat_facets(chat),
        "terms": combined_terms(fields, message_terms),
        "message_terms": message_terms,
    }


def new_chat_index(
    chat_id: str, person_name: str, team_ids: Sequence[str], text: str
) -> dict[str, list[str]]:
    """The facets and terms of a chat a person's first message starts (AI mode, open, nobody's)."""
    message_terms = new_message_terms([], [text])
    facets = facets_of(
        status="open", mode="ai", assignee_id=None, team_ids=team_ids, tags=[], rating=None, custom_fields={}
    )
    return {
        "facets": facets,
        "terms": combined_terms(field_terms(chat_id, person_name, ""), message_terms),
        "message_terms": message_terms,
    }
