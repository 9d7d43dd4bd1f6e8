"""The export service starts against the real broker and database and reports healthy."""

from export.app import create_app
from export.settings import Settings
from livechat_dev.testing import running, settings_from


async def test_starts_connects_and_reports_ready(env: dict[str, str]) -> None:
    app = create_app(settings_from(Settings, env))
    async with running(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "service": "export"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"broker": "ok", "database": "ok"}
