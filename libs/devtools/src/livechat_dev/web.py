"""The browser clients of a local stack: ``web/`` (the agent console and the Webchat widget), built
with npm when Node.js is installed and served by Vite's preview server (``vite preview``) on one
origin — the console at ``/``, the widget at ``/widget/livechat-widget.js``, a demo site with the
widget at ``/demo/`` — with ``/ingest/``, ``/inbox/``, ``/assignment/``, ``/export/`` and ``/aiagent/``
proxied (HTTP and WebSocket) to the services, prefix stripped, like the compose nginx proxy. The
proxy itself is Vite's (``preview.proxy`` in ``web/console/vite.config.ts``), pointed at the services
by ``LIVECHAT_<SERVICE>_URL``. Used by ``livechat run`` and by the browser tests."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import httpx

from .devstack import ManagedProcess, wait_until

WEB_DIR = Path(__file__).resolve().parents[4] / "web"
"""``web/`` of this checkout (the development tools are installed from it, editable)."""

MIN_NODE = (20, 19)
"""The oldest Node.js that builds ``web/`` (Vite's requirement; ``engines`` in web/package.json)."""

OUTPUTS = ("console/dist/index.html", "widget/dist/livechat-widget.js")
"""What ``npm run build`` writes; the build is skipped while these are newer than every source."""

_NOT_SOURCES = {"node_modules", "dist", "generated", ".vite"}
"""Folders under web/ that are build results, not inputs (``generated`` is written by ``npm run gen``)."""


class WebBuildError(RuntimeError):
    pass


def node_problem(web_dir: Path = WEB_DIR) -> str | None:
    """``None`` when Node.js and npm can build and serve ``web_dir``; otherwise what to install."""
    want = ".".join(map(str, MIN_NODE))
    if not (web_dir / "package.json").is_file():
        return f"{web_dir}/package.json is missing (the console's sources are not in this checkout)"
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if not path)
        return (
            f"{missing} not found: install Node.js {want} or newer with npm "
            "(https://nodejs.org/en/download, or your package manager), then run this again"
        )
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
    found = re.match(r"v(\d+)\.(\d+)", out.stdout.strip())
    if not found or (int(found.group(1)), int(found.group(2))) < MIN_NODE:
        return f"Node.js {out.stdout.strip() or '?'} is too old: install Node.js {want} or newer"
    return None


def _sources(web_dir: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(web_dir):
        dirs[:] = [d for d in dirs if d not in _NOT_SOURCES]
        for name in files:
            if not name.endswith((".tsbuildinfo", ".md")):
                yield Path(folder) / name


def needs_install(web_dir: Path = WEB_DIR) -> bool:
    """Whether ``npm ci`` must run: no ``node_modules`` yet, or the lock file changed since."""
    installed = web_dir / "node_modules" / ".package-lock.json"  # written by npm at the end of an install
    lock = web_dir / "package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime


def needs_build(web_dir: Path = WEB_DIR) -> bool:
    """Whether ``npm run build`` must run: an output is missing or a source is newer than one."""
    outputs = [web_dir / name for name in OUTPUTS]
    if not all(path.is_file() for path in outputs):
        return True
    built = min(path.stat().st_mtime for path in outputs)
    return any(path.stat().st_mtime > built for path in _sources(web_dir))


def build(web_dir: Path = WEB_DIR, log: IO[bytes] | None = None, timeout: float = 900) -> list[str]:
    """``npm ci`` and ``npm run build`` in ``web_dir``, each only when needed; the commands run.
    Raises :class:`WebBuildError` when one fails (its output is in ``log``)."""
    steps = []
    if needs_install(web_dir):
        steps.append(["npm", "ci", "--no-audit", "--no-fund"])
    if steps or needs_build(web_dir):
        steps.append(["npm", "run", "build"])
    for argv in steps:
        done = subprocess.run(
            argv,
            cwd=web_dir,
            stdin=subprocess.DEVNULL,
            stdout=log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise WebBuildError(f"`{' '.join(argv)}` in {web_dir} failed with exit code {done.returncode}")
    return [" ".join(argv) for argv in steps]


class WebServer(ManagedProcess):
    """``vite preview`` of the built console, the widget and the demo page, with the service prefixes
    proxied to ``services`` (service name -> base URL)."""

    def __init__(
        self,
        port: int,
        services: Mapping[str, str],
        web_dir: Path = WEB_DIR,
        log: IO[bytes] | None = None,
    ) -> None:
        self.port = port
        node = shutil.which("node") or "node"
        argv = [
            node,
            str(web_dir / "node_modules" / "vite" / "bin" / "vite.js"),
            "preview",
            str(web_dir / "console"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--strictPort",
        ]
        env = {f"LIVECHAT_{name.upper()}_URL": url.rstrip("/") for name, url in services.items()}
        super().__init__("web", argv, env=env | {"NO_COLOR": "1"}, log=log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def demo_url(self, app_id: str) -> str:
        return f"{self.url}/demo/?app_id={app_id}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready() -> bool:
            if not self.alive():
                raise RuntimeError("the console's web server (vite preview) exited at start-up")
            try:
                return httpx.get(f"{self.url}/", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, timeout, "the console's web server", interval=0.2)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the server's process group (it runs in a session of its own)."""
        if self.alive():
            assert self.proc is not None
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
        super().stop(timeout)
