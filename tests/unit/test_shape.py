"""The shape the code promises (CONTRIBUTING.md): thin routes, and every response documented."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livechat_dev.openapi_dump import document

ROOT = Path(__file__).resolve().parents[2]
ROUTE_MODULES = sorted(ROOT.glob("services/*/src/*/**/routes.py"))
SERVICES = ["ingest", "inbox", "assignment", "export", "aiagent"]
MAX_ROUTE_LINES = 16
"""About 15 lines: parse, one use case, a response model. A WebSocket route may hold its receive loop."""


def _functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text())
    return [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _body_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = fn.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring does not count
    return (fn.end_lineno or fn.lineno) - body[0].lineno + 1


def test_there_are_route_modules() -> None:
    assert len(ROUTE_MODULES) >= 6


@pytest.mark.parametrize("path", ROUTE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_route_functions_are_short(path: Path) -> None:
    long = {fn.name: _body_lines(fn) for fn in _functions(path) if _body_lines(fn) > MAX_ROUTE_LINES}
    assert long == {}


@pytest.mark.parametrize("path", ROUTE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_routes_never_import_a_repository(path: Path) -> None:
    tree = ast.parse(path.read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if "repository" in m or "pymongo" in m]


def _openapi(service: str) -> dict[str, Any]:
    return document(service)


@pytest.mark.parametrize("service", SERVICES)
def test_every_json_response_is_documented(service: str) -> None:
    """Each operation's success response names its body's schema (not an empty ``{}``)."""
    undocumented = []
    for path, operations in _openapi(service)["paths"].items():
        for verb, operation in operations.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if status.startswith("2") and schema == {}:
                    undocumented.append(f"{verb.upper()} {path} {status}")
    assert undocumented == []


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("service", SERVICES)
def test_every_reference_of_the_openapi_document_resolves(service: str) -> None:
    """Clients are generated from these documents (the console's typed client): a reference into a
    schema's own ``$defs`` or to a missing component breaks the generator."""
    openapi = _openapi(service)
    components = openapi.get("components", {}).get("schemas", {})
    broken = sorted(
        {
            ref
            for ref in [*_refs(openapi["paths"]), *_refs(components)]
            if not ref.startswith("#/components/schemas/")
            or ref.removeprefix("#/components/schemas/") not in components
        }
    )
    assert broken == []
