"""Which partitions each live replica should be active on, and the partition of a key."""

from __future__ import annotations

import pytest
from livechat_shared.partitions import owned
from livechat_shared.topology import INBOX_INBOUND, PARTITION_HEADER, partition_header, partition_of


@pytest.mark.parametrize(
    "members", [["a"], ["a", "b"], ["c", "a", "b"], [f"m{i}" for i in range(8)], [f"m{i}" for i in range(11)]]
)
def test_every_partition_has_exactly_one_owner(members: list[str]) -> None:
    shares = [owned(8, members, m) for m in members]
    assert sorted(p for share in shares for p in share) == list(range(8))
    assert max(map(len, shares)) - min(map(len, shares)) <= 1  # spread evenly


def test_a_replica_not_yet_counted_owns_nothing() -> None:
    assert owned(8, ["a", "b"], "c") == set()


def test_ownership_does_not_depend_on_the_order_members_are_listed() -> None:
    assert owned(8, ["b", "a", "c"], "a") == owned(8, ["c", "b", "a"], "a")


def test_a_persons_messages_always_go_to_the_same_partition() -> None:
    payload = {"app_id": "app-1", "person": {"external_id": "visitor-1"}}
    header = partition_header("ingest.message.received.v1", payload)
    assert header == partition_header("ingest.message.received.v1", {**payload, "text": "other"})
    assert header == {PARTITION_HEADER: str(partition_of("app-1:visitor-1", INBOX_INBOUND.partitions))}
    assert not PARTITION_HEADER.startswith("x-")  # RabbitMQ ignores x- headers in headers bindings


def test_keys_spread_over_the_partitions() -> None:
    used = {partition_of(f"app-1:visitor-{n}", 8) for n in range(200)}
    assert used == set(range(8))


def test_events_of_unpartitioned_queues_carry_no_partition() -> None:
    assert partition_header("inbox.chat.changed.v1", {"chat": {}}) == {}
