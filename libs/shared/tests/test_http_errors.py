"""The shared error envelope and the request body limit, on a tiny in-process FastAPI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from livechat_shared.errors import DomainError, RateLimited
from livechat_shared.web import ApiError, error_body, install_error_handlers
from livechat_shared.web.limits import BodySizeLimit, HeaderLimits, SecurityHeaders
from pydantic import BaseModel, ConfigDict, Field

LIMIT = 1024


class ItemNotFound(DomainError):
    code = "not_found"
    default_message = "item not found"


class ItemLocked(ItemNotFound):
    """Not mapped itself: takes the status of the nearest mapped class above it."""

    code = "locked"
    default_message = "item is locked"


class Unmapped(DomainError):
    code = "unmapped"


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    qty: int = 1


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app, {ItemNotFound: 404})
    app.add_middleware(BodySizeLimit, max_bytes=LIMIT)
    app.add_middleware(HeaderLimits)
    app.add_middleware(SecurityHeaders)

    @app.get("/page")
    async def page() -> HTMLResponse:
        return HTMLResponse("<p>hi</p>", headers={"Content-Security-Policy": "default-src 'self'"})

    @app.get("/busy")
    async def busy() -> None:
        raise RateLimited("too many messages; retry later", retry_after=17)

    @app.post("/items")
    async def create_item(item: Item) -> dict[str, Any]:
        return {"name": item.name, "qty": item.qty}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        if item_id == 404:
            raise ItemNotFound()
        if item_id == 423:
            raise ItemLocked(until="noon")
        if item_id == 400:
            raise Unmapped("no status of its own")
        if item_id == 409:
            raise ApiError(409, "conflict", "item changed meanwhile", expected_version=3)
        if item_id == 429:
            raise ApiError(429, "rate_limited", "slow down")
        return {"id": item_id}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
        yield http


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_error_body_shape() -> None:
    assert error_body("x", "y") == {"error": {"code": "x", "message": "y"}}
    assert error_body("x", "y", a=1) == {"error": {"code": "x", "message": "y", "details": {"a": 1}}}


async def test_success_passes_through(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "mug", "qty": 2})
    assert response.status_code == 200
    assert response.json() == {"name": "mug", "qty": 2}


async def test_api_error_renders_code_message_and_status(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("/items/429"), 429, "rate_limited")
    assert error == {"code": "rate_limited", "message": "slow down"}


async def test_domain_errors_take_their_mapped_status(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("/items/404"), 404, "not_found")
    assert error["message"] == "item not found"
    locked = assert_error(await client.get("/items/423"), 404, "locked")
    assert locked == {"code": "locked", "message": "item is locked", "details": {"until": "noon"}}
    unmapped = assert_error(await client.get("/items/400"), 400, "unmapped")
    assert unmapped["message"] == "no status of its own"


async def test_api_error_details(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("/items/409"), 409, "conflict")
    assert error == {
        "code": "conflict",
        "message": "item changed meanwhile",
        "details": {"expected_version": 3},
    }


async def test_invalid_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/items", content=b'{"name": "mug",', headers={"content-type": "application/json"}
    )
    error = assert_error(response, 400, "invalid_json")
    assert error["message"] == "request body is not valid JSON"
    assert error["details"]["problems"][0]["type"] == "json_invalid"


async def test_missing_field_is_422(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.post("/items", json={"qty": 2}), 422, "validation_failed")
    problems = error["details"]["problems"]
    assert problems == [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]


async def test_wrong_type_and_extra_field_are_422(client: httpx.AsyncClient) -> None:
    error = assert_error(
        await client.post("/items", json={"name": "mug", "qty": "many", "colour": "red"}),
        422,
        "validation_failed",
    )
    locations = sorted(p["loc"][-1] for p in error["details"]["problems"])
    assert locations == ["colour", "qty"]


async def test_bad_path_parameter_is_422(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("/items/abc"), 422, "validation_failed")
    assert error["details"]["problems"][0]["loc"] == ["path", "item_id"]


async def test_unknown_route_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/nowhere"), 404, "not_found")


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    assert_error(await client.delete("/items"), 405, "method_not_allowed")


async def test_body_at_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    body = b"x" * LIMIT
    response = await client.post("/raw", content=body)
    assert response.status_code == 200
    assert response.json() == {"received": LIMIT}


async def test_oversized_body_by_content_length_is_413(client: httpx.AsyncClient) -> None:
    payload = {"name": "m" * (LIMIT + 1)}
    error = assert_error(await client.post("/items", json=payload), 413, "payload_too_large")
    assert str(LIMIT) in error["message"]


async def _chunks(total: int, size: int = 200) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        chunk = b"x" * min(size, total - sent)
        sent += len(chunk)
        yield chunk


async def test_streamed_body_under_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/raw", content=_chunks(LIMIT))
    assert response.status_code == 200
    assert response.json() == {"received": LIMIT}


async def test_oversized_streamed_body_is_413_when_read_by_hand(client: httpx.AsyncClient) -> None:
    request = client.build_request("POST", "/raw", content=_chunks(LIMIT * 3))
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    assert_error(await client.send(request), 413, "payload_too_large")


async def test_oversized_streamed_body_is_413_for_a_model_endpoint(client: httpx.AsyncClient) -> None:
    """Every service endpoint takes a pydantic body, so this is the path a chunked upload really takes."""

    async def json_chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        async for chunk in _chunks(LIMIT * 3):
            yield chunk
        yield b'"}'

    request = client.build_request(
        "POST", "/items", content=json_chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in request.headers
    assert_error(await client.send(request), 413, "payload_too_large")


async def test_rate_limited_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    response = await client.get("/busy")
    error = assert_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == "17"
    assert error["details"] == {"retry_after": 17}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("x-correlation-id", "x" * 8000),
        ("x-correlation-id", "x" * 129),
        ("x-correlation-id", "a b"),
        ("x-correlation-id", ""),
        ("traceparent", "00-" + "0" * 4000),
        ("traceparent", "not-a-traceparent"),
        ("tracestate", "a=" + "b" * 600),
    ],
)
async def test_travelling_headers_are_bounded(client: httpx.AsyncClient, header: str, value: str) -> None:
    response = await client.get("/items/1", headers={header: value})
    error = assert_error(response, 400, "invalid_header")
    assert header in error["message"]


async def test_good_travelling_headers_pass(client: httpx.AsyncClient) -> None:
    headers = {
        "x-correlation-id": "01JP9ZQ2CC4W7M2TY9HB6RXK3E:retry-2",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "tracestate": "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    }
    assert (await client.get("/items/1", headers=headers)).status_code == 200


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for response in [await client.get("/items/1"), await client.get("/nowhere"), await client.get("/busy")]:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_a_page_keeps_its_own_content_security_policy(client: httpx.AsyncClient) -> None:
    response = await client.get("/page")
    assert response.headers.get_list("content-security-policy") == ["default-src 'self'"]
    assert response.headers["x-frame-options"] == "DENY"
