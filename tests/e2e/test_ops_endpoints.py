"""Every service, started as a process, reports health, readiness, metrics and its API documents."""

from __future__ import annotations

import httpx
import pytest
from livechat_dev.devstack import SERVICES


@pytest.mark.parametrize("service", list(SERVICES))
def test_service_serves_ops_endpoints(stack, service: str) -> None:
    base = stack.url(service)
    with httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok", "service": service}

        ready = http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"broker": "ok", "database": "ok"}}

        metrics = http.get("/metrics")
        assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
        assert 'http_requests_total{method="GET",route="/readyz",service="' + service in metrics.text

        openapi = http.get("/openapi.json").json()
        assert openapi["info"]["title"] == f"livechat {service}"
        assert {"/healthz", "/readyz", "/metrics"} <= set(openapi["paths"])

        asyncapi = http.get("/asyncapi.json")
        assert asyncapi.status_code == 200 and asyncapi.json()["info"]["title"] == f"livechat-{service}"


def test_api_documents_name_the_first_path(stack) -> None:
    with httpx.Client(timeout=10) as http:
        ingest = http.get(f"{stack.url('ingest')}/openapi.json").json()["paths"]
        inbox = http.get(f"{stack.url('inbox')}/openapi.json").json()["paths"]
        inbox_bus = http.get(f"{stack.url('inbox')}/asyncapi.json").json()
    assert {
        "/v1/apps",
        "/v1/apps/{app_id}",
        "/v1/webchat/{app_id}/sessions",
        "/v1/webchat/{app_id}/messages",
    } <= set(ingest)
    assert {"/v1/chats", "/v1/chats/{chat_id}", "/v1/chats/{chat_id}/messages", "/v1/sync"} <= set(inbox)
    assert "post" in inbox["/v1/chats/{chat_id}/messages"] and "get" in inbox["/v1/chats/{chat_id}/messages"]
    assert any("inbox.inbound" in name for name in inbox_bus["channels"]), inbox_bus["channels"].keys()
