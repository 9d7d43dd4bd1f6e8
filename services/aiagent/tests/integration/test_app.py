"""The aiagent service starts against the real broker and database and reports healthy."""

from aiagent.app import create_app
from aiagent.settings import Settings
from livechat_dev.testing import running, settings_from


async def test_starts_connects_and_reports_ready(env: dict[str, str]) -> None:
    app = create_app(settings_from(Settings, env))
    async with running(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "service": "aiagent"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"broker": "ok", "database": "ok"}
