"""The event contracts against their golden samples in ``libs/shared/contracts/samples``.

Each sample is a full envelope as it travels on the bus. A renamed, removed or retyped field in a
contract breaks these tests; a new optional field does not break readers of older samples, but it
does make the sample stale (the re-serialised payload must equal the sample), so samples stay the
documentation of what is actually published.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from livechat_shared.contracts import (
    CONTRACTS,
    Attachment,
    ChatChangedV1,
    Contract,
    Envelope,
    MessageCreatedV1,
    MessageReceivedV1,
    OutboundRequestedV1,
    PersonRef,
)
from livechat_shared.ids import new_id
from pydantic import ValidationError
from ulid import ULID

SAMPLES = Path(__file__).resolve().parents[1] / "contracts" / "samples"
BY_KEY: dict[str, type[Contract]] = {c.routing_key(): c for c in CONTRACTS}
ENVELOPE_FIELDS = {
    "event_id",
    "type",
    "version",
    "occurred_at",
    "workspace_id",
    "chat_id",
    "correlation_id",
    "causation_id",
    "payload",
}


def load(key: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{key}.json").read_text(encoding="utf-8"))


contract_params = pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.routing_key())


def test_routing_keys_are_unique_and_well_formed() -> None:
    keys = [c.routing_key() for c in CONTRACTS]
    assert len(set(keys)) == len(keys)
    for contract in CONTRACTS:
        producer, entity, event = contract.event_type.split(".")
        assert all((producer, entity, event))
        assert contract.routing_key() == f"{contract.event_type}.v{contract.event_version}"


def test_every_contract_has_a_sample_and_every_sample_names_a_contract() -> None:
    files = {p.stem for p in SAMPLES.glob("*.json")}
    assert files, f"no samples in {SAMPLES}"
    assert set(BY_KEY) - files == set(), "contracts without a sample"
    assert files - set(BY_KEY) == set(), "samples naming no contract"


@contract_params
def test_sample_is_a_full_envelope(contract: type[Contract]) -> None:
    raw = load(contract.routing_key())
    assert set(raw) == ENVELOPE_FIELDS
    ULID.from_str(raw["event_id"])  # a real ULID
    ULID.from_str(raw["correlation_id"])
    envelope = Envelope.model_validate(raw)
    assert envelope.occurred_at.tzinfo is not None
    # the envelope itself round-trips to the sample
    assert envelope.model_dump(mode="json") == raw


@contract_params
def test_sample_opens_as_its_contract(contract: type[Contract]) -> None:
    key = contract.routing_key()
    raw = load(key)
    envelope = Envelope.model_validate(raw)

    assert envelope.routing_key == key
    event = envelope.open(contract)
    assert isinstance(event, contract)
    # re-serialising gives back exactly the sample payload: a renamed or removed field fails here
    assert event.model_dump(mode="json") == raw["payload"]


@contract_params
def test_every_payload_field_is_in_the_sample(contract: type[Contract]) -> None:
    payload = load(contract.routing_key())["payload"]
    assert set(payload) == set(contract.model_fields)


@contract_params
def test_a_missing_required_field_is_refused(contract: type[Contract]) -> None:
    raw = load(contract.routing_key())
    required = [name for name, field in contract.model_fields.items() if field.is_required()]
    assert required
    for name in required:
        payload = {k: v for k, v in raw["payload"].items() if k != name}
        envelope = Envelope.model_validate({**raw, "payload": payload})
        with pytest.raises(ValidationError) as info:
            envelope.open(contract)
        assert any(err["loc"] == (name,) and err["type"] == "missing" for err in info.value.errors())


def _strip_unknown_fields(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_unknown_fields(v) for k, v in value.items() if k != "x_added_later"}
    if isinstance(value, list):
        return [_strip_unknown_fields(v) for v in value]
    return value


def _add_unknown_fields(value: Any) -> Any:
    """Add a field nobody knows to every object, at every depth."""
    if isinstance(value, dict):
        return {**{k: _add_unknown_fields(v) for k, v in value.items()}, "x_added_later": {"any": [1, 2]}}
    if isinstance(value, list):
        return [_add_unknown_fields(v) for v in value]
    return value


@contract_params
def test_readers_ignore_unknown_fields(contract: type[Contract]) -> None:
    raw = load(contract.routing_key())
    extended = _add_unknown_fields(copy.deepcopy(raw))
    assert extended["x_added_later"] and extended["payload"]["x_added_later"]

    envelope = Envelope.model_validate(extended)
    assert "x_added_later" not in envelope.model_dump()
    event = envelope.open(contract)
    dumped = event.model_dump(mode="json")
    assert "x_added_later" not in dumped
    # free-form dict fields (person, custom_fields) keep what they are given; typed models drop it
    assert _strip_unknown_fields(dumped) == raw["payload"]


def test_envelope_from_the_wire_json() -> None:
    text = (SAMPLES / f"{MessageReceivedV1.routing_key()}.json").read_text(encoding="utf-8")
    envelope = Envelope.model_validate_json(text)
    event = envelope.open(MessageReceivedV1)
    assert event.person.external_id == "31612345678"
    assert event.received_at.tzinfo is not None
    assert Envelope.model_validate_json(envelope.model_dump_json()) == envelope


@contract_params
def test_open_refuses_another_contract(contract: type[Contract]) -> None:
    envelope = Envelope.model_validate(load(contract.routing_key()))
    for other in CONTRACTS:
        if other is contract:
            continue
        with pytest.raises(ValueError, match=other.routing_key()):
            envelope.open(other)


@contract_params
def test_open_refuses_another_version(contract: type[Contract]) -> None:
    raw = load(contract.routing_key())
    for version in (0, 2, contract.event_version + 1):
        envelope = Envelope.model_validate({**raw, "version": version})
        assert envelope.routing_key == f"{contract.event_type}.v{version}"
        with pytest.raises(ValueError, match="not " + contract.routing_key()):
            envelope.open(contract)


def test_open_refuses_a_wrong_type_with_the_same_version() -> None:
    raw = load(ChatChangedV1.routing_key())
    envelope = Envelope.model_validate({**raw, "type": "inbox.chat.created"})
    with pytest.raises(ValueError):
        envelope.open(ChatChangedV1)


def test_envelope_refuses_missing_metadata() -> None:
    raw = load(MessageCreatedV1.routing_key())
    for name in ("type", "version", "workspace_id", "correlation_id", "payload"):
        with pytest.raises(ValidationError):
            Envelope.model_validate({k: v for k, v in raw.items() if k != name})


def _received() -> MessageReceivedV1:
    return MessageReceivedV1(
        app_id="app-1",
        teamspace_id="ts-1",
        team_ids=["team-1"],
        channel="telegram",
        external_message_id="tg-991",
        person=PersonRef(external_id="4242", name="Ana"),
        text="hello",
        attachments=[Attachment(url="https://files.example/a.png", content_type="image/png")],
        received_at=datetime(2025, 3, 14, 9, 0, tzinfo=UTC),
    )


def test_wrap_without_cause_starts_a_correlation() -> None:
    payload = _received()
    envelope = Envelope.wrap(payload, workspace_id="ws-1")

    assert (envelope.type, envelope.version) == ("ingest.message.received", 1)
    assert envelope.routing_key == MessageReceivedV1.routing_key()
    assert envelope.workspace_id == "ws-1"
    assert envelope.chat_id is None
    assert envelope.correlation_id == envelope.event_id
    assert envelope.causation_id is None
    assert envelope.payload == payload.model_dump(mode="json")
    assert envelope.payload["received_at"] == "2025-03-14T09:00:00Z"
    assert envelope.open(MessageReceivedV1) == payload
    assert envelope.occurred_at.tzinfo is not None


def test_wrap_with_an_explicit_correlation() -> None:
    envelope = Envelope.wrap(_received(), workspace_id="ws-1", correlation_id="req-7")
    assert envelope.correlation_id == "req-7"
    assert envelope.causation_id is None


def test_wrap_takes_correlation_and_causation_from_the_causing_envelope() -> None:
    cause = Envelope.model_validate(load(MessageCreatedV1.routing_key()))
    outbound = OutboundRequestedV1.model_validate(load(OutboundRequestedV1.routing_key())["payload"])

    effect = Envelope.wrap(outbound, workspace_id=cause.workspace_id, chat_id=cause.chat_id, causation=cause)

    assert effect.correlation_id == cause.correlation_id
    assert effect.causation_id == cause.event_id
    assert effect.event_id not in (cause.event_id, cause.correlation_id)
    assert effect.chat_id == cause.chat_id
    assert effect.routing_key == OutboundRequestedV1.routing_key()

    # a chain of three keeps the first correlation; each link points at its direct cause
    third = Envelope.wrap(outbound, workspace_id=cause.workspace_id, causation=effect)
    assert third.correlation_id == cause.correlation_id
    assert third.causation_id == effect.event_id


def test_wrap_explicit_correlation_wins_over_the_cause() -> None:
    cause = Envelope.wrap(_received(), workspace_id="ws-1")
    effect = Envelope.wrap(_received(), workspace_id="ws-1", correlation_id="req-9", causation=cause)
    assert effect.correlation_id == "req-9"
    assert effect.causation_id == cause.event_id


def test_contract_payloads_are_immutable() -> None:
    event = _received()
    with pytest.raises(ValidationError):
        event.text = "changed"  # type: ignore[misc]


def test_event_ids_are_unique_ulids() -> None:
    ids = [new_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    for value in ids[:50]:
        assert len(value) == 26
        assert str(ULID.from_str(value)) == value


def test_event_ids_carry_their_creation_time() -> None:
    before = datetime.now(UTC)
    value = new_id()
    after = datetime.now(UTC)
    stamp = ULID.from_str(value).datetime
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= stamp <= after


def test_event_ids_created_in_sequence_sort_ascending() -> None:
    """Ids are "sortable by creation time" (ids.py); the outbox relays ``sort("_id")`` oldest first and
    the webchat mailbox pages with ``_id > after``, so an id created later must never sort earlier.

    Generate ids for long enough to cross many millisecond boundaries: that is where ordering breaks.
    """
    ids: list[str] = []
    deadline = time.perf_counter() + 0.3
    while time.perf_counter() < deadline:
        ids.extend(new_id() for _ in range(200))
    out_of_order = [(a, b) for a, b in itertools.pairwise(ids) if b <= a]
    assert out_of_order == [], f"{len(out_of_order)} of {len(ids)} ids sort before their predecessor"


def test_ids_sort_by_millisecond_across_time() -> None:
    earlier = new_id()
    time.sleep(0.003)
    later = new_id()
    assert earlier < later


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://media.acme.example/a.png", True),
        ("http://media.acme.example/a.png", True),
        ("HTTPS://media.acme.example/a.png", True),
        ("javascript:alert(1)", False),
        ("JavaScript://%0aalert(1)", False),
        ("data:text/html;base64,PGI+", False),
        ("//media.acme.example/a.png", False),
        ("ftp://media.acme.example/a.png", False),
        ("https:", False),
        ("", False),
    ],
)
def test_attachment_urls_are_http_only(url: str, accepted: bool) -> None:
    from livechat_shared.contracts import Attachment

    if accepted:
        assert Attachment(url=url, content_type="image/png").url == url
    else:
        with pytest.raises(ValidationError, match="http"):
            Attachment(url=url, content_type="image/png")
