"""Browser tests: the real stack (every service as a process, as ``tests/e2e`` starts it), the agent
console and the Webchat widget built from ``web/`` and served the way ``livechat run`` serves them
(``livechat_dev.web``: ``vite preview`` with the service prefixes proxied), driven in Debian's
Chromium through Playwright. Screenshots of the main screens go to ``artifacts/screenshots/``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from livechat_dev.devstack import SERVICES, free_port
from livechat_dev.web import WEB_DIR, WebBuildError, WebServer, build, node_problem
from playwright.async_api import Browser, async_playwright

from ..e2e.conftest import Stack, running_stack

CHROMIUM = os.environ.get("LIVECHAT_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium (``apt-get install chromium``; ``./scripts/test`` installs it): Playwright never
downloads a browser of its own here."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join(text[-lines:])


@pytest.fixture(scope="session")
def web_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """web/ built (npm ci and npm run build, each only when needed), before any stack starts."""
    problem = node_problem()
    if problem is not None:
        pytest.fail(f"the browser tests need the console built: {problem}")
    log_path = tmp_path_factory.mktemp("web") / "build.log"
    with log_path.open("ab") as log:
        try:
            build(WEB_DIR, log)
        except WebBuildError as exc:
            pytest.fail(f"{exc}:\n{_tail(log_path)}")
    return WEB_DIR


@pytest.fixture(scope="module")
def stack(amqp_url: str, mongo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Every service as a process, for this module only (stopped and its queues removed after it)."""
    with running_stack(amqp_url, mongo_url, tmp_path_factory.mktemp("browser-logs")) as suite:
        yield suite


@pytest.fixture(scope="module")
def web(web_build: Path, stack: Stack) -> Iterator[WebServer]:
    """The console, the widget and the demo site on one origin, proxied to this module's stack."""
    log_path = stack.logs / "web.log"
    server = WebServer(
        free_port(), {name: stack.url(name) for name in SERVICES}, web_dir=web_build, log=log_path.open("ab")
    )
    server.start()
    try:
        try:
            server.wait_ready()
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"{exc}:\n{_tail(log_path)}")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """Chromium, headless, with a fresh profile (Playwright's own temporary user data dir)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
