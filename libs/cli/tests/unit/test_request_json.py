"""How the command line calls the services: headers, errors, and 401s retried only while waiting
for a service's copy of the directory to catch up."""

from __future__ import annotations

import time

import httpx
import pytest
from livechat_cli.bootstrap import BootstrapError, request_json


def client(*statuses: int) -> tuple[httpx.Client, list[httpx.Request]]:
    """A client whose calls are answered with ``statuses`` in turn (the last one repeats)."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses[min(len(seen), len(statuses)) - 1]
        return httpx.Response(status, json={"n": len(seen)})

    return httpx.Client(transport=httpx.MockTransport(answer)), seen


def test_headers_and_body() -> None:
    http, seen = client(201)
    assert request_json(http, "POST", "http://s/x", token="t", operator_key="k", body={"a": 1}) == {"n": 1}
    assert (seen[0].headers["authorization"], seen[0].headers["x-operator-key"]) == ("Bearer t", "k")
    assert seen[0].content == b'{"a":1}'
    http, seen = client(200)
    request_json(http, "GET", "http://s/x")
    assert "authorization" not in seen[0].headers and "x-operator-key" not in seen[0].headers


def test_an_error_status_is_raised_with_the_answer() -> None:
    http, _ = client(404)
    with pytest.raises(BootstrapError, match=r'GET http://s/x answered 404: \{"n":1\}'):
        request_json(http, "GET", "http://s/x")


def test_a_401_is_final_unless_waiting_for_a_copy() -> None:
    http, seen = client(401, 201)
    with pytest.raises(BootstrapError, match="answered 401"):
        request_json(http, "GET", "http://s/x")
    assert len(seen) == 1
    http, seen = client(401, 401, 201)
    assert request_json(http, "GET", "http://s/x", wait_for_copy=5.0) == {"n": 3}


def test_waiting_for_a_copy_gives_up_in_time_after_a_few_tries() -> None:
    http, seen = client(401)
    started = time.monotonic()
    with pytest.raises(BootstrapError, match="answered 401"):
        request_json(http, "GET", "http://s/x", wait_for_copy=1.0)
    assert time.monotonic() - started <= 1.2
    assert len(seen) == 3  # after 0.25 s and 0.5 s: the next pause (1 s) would pass the deadline


def test_other_errors_are_not_retried() -> None:
    http, seen = client(403, 201)
    with pytest.raises(BootstrapError, match="answered 403"):
        request_json(http, "GET", "http://s/x", wait_for_copy=5.0)
    assert len(seen) == 1
