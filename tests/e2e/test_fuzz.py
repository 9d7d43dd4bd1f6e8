"""Fuzzing of every public endpoint from the services' own OpenAPI documents (schemathesis): whatever
a client sends, no service answers 5xx or hangs, and every refusal has the error body of api.md.
Bounded: a fixed number of generated requests per operation, each with a timeout."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from .conftest import auth

EXAMPLES = 12
"""Generated requests per operation and service; enough to walk every parameter's edges."""


@pytest.fixture(scope="module")
def fuzz_workspace(stack) -> dict[str, Any]:
    """A workspace of its own, so what the fuzzer creates touches no other test's data."""
    workspace: dict[str, Any] = stack.cli("bootstrap", "--workspace", "Fuzz")
    return workspace


def _schema(stack, service: str) -> Any:
    return schemathesis.openapi.from_url(f"{stack.url(service)}/openapi.json")


@pytest.fixture(scope="module")
def ingest_schema(stack) -> Any:
    return _schema(stack, "ingest")


@pytest.fixture(scope="module")
def inbox_schema(stack) -> Any:
    return _schema(stack, "inbox")


@pytest.fixture(scope="module")
def assignment_schema(stack) -> Any:
    return _schema(stack, "assignment")


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def check(case: Any, stack, service: str, workspace: dict[str, Any]) -> None:
    response = case.call(base_url=stack.url(service), headers=auth(workspace["token"]), timeout=15)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    )
    content_type = (response.headers.get("content-type") or [""])[0]  # header values come as lists
    if response.status_code >= 400 and content_type.startswith("application/json"):
        error = response.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)


@schemathesis.pytest.from_fixture("ingest_schema").parametrize()
@BOUNDED
def test_ingest_never_fails_on_any_input(case: Any, stack, fuzz_workspace) -> None:
    check(case, stack, "ingest", fuzz_workspace)


@schemathesis.pytest.from_fixture("inbox_schema").parametrize()
@BOUNDED
def test_inbox_never_fails_on_any_input(case: Any, stack, fuzz_workspace) -> None:
    check(case, stack, "inbox", fuzz_workspace)


@schemathesis.pytest.from_fixture("assignment_schema").parametrize()
@BOUNDED
def test_assignment_never_fails_on_any_input(case: Any, stack, fuzz_workspace) -> None:
    check(case, stack, "assignment", fuzz_workspace)
