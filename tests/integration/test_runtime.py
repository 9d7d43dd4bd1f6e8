"""The shared runtime against real parts: readiness follows the database, and trace context
crosses HTTP, the bus and the outbox."""

from __future__ import annotations

from pathlib import Path

from inbox.app import create_app as create_inbox
from inbox.settings import Settings as InboxSettings
from ingest.app import create_app as create_ingest
from ingest.settings import Settings as IngestSettings
from livechat_dev.devstack import EmbeddedMongo
from livechat_dev.testing import directory_user, eventually, running, seed_directory, settings_from
from livechat_shared.auth import issue_token
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


async def test_readyz_reports_a_lost_database(env: dict[str, str], tmp_path: Path) -> None:
    mongo = EmbeddedMongo(tmp_path / "db")
    mongo.start()
    try:
        app = create_ingest(settings_from(IngestSettings, env, mongodb_url=mongo.url))
        async with running(app) as client:
            assert (await client.get("/readyz")).status_code == 200
            mongo.kill()
            down = await client.get("/readyz")
            assert down.status_code == 503
            assert down.json()["status"] == "unavailable"
            assert down.json()["checks"]["broker"] == "ok"
            assert down.json()["checks"]["database"] != "ok"
            assert (await client.get("/healthz")).status_code == 200  # alive, just not ready
    finally:
        mongo.stop()


async def test_trace_context_crosses_http_bus_and_outbox(env: dict[str, str]) -> None:
    ingest, inbox = (
        create_ingest(settings_from(IngestSettings, env, tracing=True)),
        create_inbox(settings_from(InboxSettings, env, tracing=True)),
    )
    spans = InMemorySpanExporter()
    for app in (ingest, inbox):
        app.state.runtime.telemetry.tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    for settings in (settings_from(InboxSettings, env), settings_from(IngestSettings, env)):
        await seed_directory(settings, directory_user("u", "w", "admin"))
    admin = {
        "Authorization": "Bearer "
        + issue_token(settings_from(InboxSettings, env), user_id="u", workspace_id="w")
    }
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
    async with running(ingest) as edge, running(inbox) as records:
        made = await edge.post(
            "/v1/apps", headers=admin, json={"teamspace_id": "t", "channel": "webchat", "name": "W"}
        )
        app_id = made.json()["id"]
        session = (await edge.post(f"/v1/webchat/{app_id}/sessions", json={})).json()
        sent = await edge.post(
            f"/v1/webchat/{app_id}/messages",
            headers={"Authorization": f"Bearer {session['session_token']}", "traceparent": traceparent},
            json={"text": "traced", "client_message_id": "t-1"},
        )
        assert sent.status_code == 202

        def in_trace(service: str, kind: str) -> list:
            return [
                s
                for s in spans.get_finished_spans()
                if format(s.context.trace_id, "032x") == trace_id
                and s.resource.attributes["service.name"] == f"livechat-{service}"
                and s.kind.name == kind
            ]

        async def consumed_and_relayed():
            # inbox consumed the message (CONSUMER span) and relayed its outbox events (PRODUCER spans)
            return in_trace("inbox", "CONSUMER") and len(in_trace("inbox", "PRODUCER")) >= 2

        await eventually(consumed_and_relayed)
        assert in_trace("ingest", "SERVER") and in_trace("ingest", "PRODUCER")
        chats = (await records.get("/v1/chats", headers=admin)).json()["items"]
        assert len(chats) == 1
