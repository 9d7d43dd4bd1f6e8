"""The partition of a person's messages."""

from __future__ import annotations

from livechat_shared.topology import INBOX_INBOUND, PARTITION_HEADER, partition_header, partition_of


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
    assert partition_header("ingest.delivery.updated.v1", {"message_id": "m-1"}) == {}


def test_a_chats_snapshots_messages_and_deletion_share_its_partition() -> None:
    keys = ("inbox.chat.changed.v1", "inbox.message.created.v1", "inbox.message.updated.v1")
    headers = {tuple(partition_header(key, {}, "chat-1").items()) for key in (*keys, "inbox.chat.deleted.v1")}
    assert headers == {((PARTITION_HEADER, str(partition_of("chat-1", 8))),)}


def test_the_partitions_are_shared_evenly_and_each_has_one_owner() -> None:
    from livechat_shared.partitions import owned

    for members in (
        ["a"],
        ["a", "b"],
        ["a", "b", "c"],
        [f"m{n}" for n in range(8)],
        [f"m{n}" for n in range(11)],
    ):
        shares = [owned(8, members, me) for me in members]
        assert set().union(*shares) == set(range(8))  # every partition has an owner
        assert sum(map(len, shares)) == 8  # and only one
        assert max(map(len, shares)) - min(map(len, shares)) <= 1  # evenly, past 8 replicas some idle


def test_a_replica_counts_itself_before_its_first_heartbeat_is_seen() -> None:
    from livechat_shared.partitions import owned

    assert owned(8, [], "a") == set(range(8))
    assert owned(8, ["b"], "a") == {0, 2, 4, 6}  # "a" sorts first
    assert owned(8, ["a", "b"], "b") == owned(8, ["a"], "b") == {1, 3, 5, 7}


def test_the_partitions_setting_resizes_every_partitioned_queue_and_the_headers_follow() -> None:
    from livechat_shared.topology import INBOX_DELIVERIES

    two = INBOX_INBOUND.sized(2)
    assert (two.name, two.routing_keys, two.ordered) == (INBOX_INBOUND.name, INBOX_INBOUND.routing_keys, True)
    assert two.partition_names == ("inbox.inbound.p0", "inbox.inbound.p1")
    assert INBOX_INBOUND.sized(0) is INBOX_INBOUND  # 0: each queue its own number
    assert INBOX_DELIVERIES.sized(2) is INBOX_DELIVERIES  # an unpartitioned queue stays one queue
    payload = {"app_id": "app-1", "person": {"external_id": "visitor-1"}}
    header = partition_header("ingest.message.received.v1", payload, partitions=2)
    assert header == {PARTITION_HEADER: str(partition_of("app-1:visitor-1", 2))}
