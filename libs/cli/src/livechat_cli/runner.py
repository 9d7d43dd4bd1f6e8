"""``livechat run``: the whole suite on this machine, one process per service.

RabbitMQ comes from ``LIVECHAT_AMQP_URL``; MongoDB from ``LIVECHAT_MONGODB_URL`` or, when unset,
the embedded MongoDB-compatible server with its data under ``.data/``. Demo data is bootstrapped
once and reused. With Node.js installed, ``web/`` (the agent console and the Webchat widget) is built
when its sources changed and served on one origin with the services proxied (``livechat_dev.web``);
without it, the services run alone and the banner says what to install. Ctrl-C stops everything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from livechat_dev.devstack import (
    SERVICES,
    EmbeddedMongo,
    ManagedProcess,
    ServiceProcess,
    amqp_reachable,
    port_open,
)
from livechat_dev.web import WEB_DIR, WebBuildError, WebServer, build, node_problem

from .bootstrap import COPY_WAIT_SECONDS, BootstrapError, CliSettings, bootstrap, request_json, token_for

RABBIT_HELP = """RabbitMQ is not reachable at {url}
  ({reason})
Start one, then run this again:
  - installed locally:   rabbitmq-server -detached
  - with Docker:         docker run -d --name rabbitmq -p 5672:5672 -p 15672:15672 rabbitmq:3.13-management
  - elsewhere:           export LIVECHAT_AMQP_URL=amqp://user:password@host:5672/"""


def _say(text: str) -> None:
    print(text, flush=True)


def run(data_dir: Path, mongo_port: int, web_port: int = 8080) -> int:
    settings = CliSettings()
    reason = amqp_reachable(settings.amqp_url)
    if reason is not None:
        _say(RABBIT_HELP.format(url=settings.amqp_url, reason=reason))
        return 2
    ports = {
        name: urlsplit(getattr(settings, f"{name}_url")).port or default for name, default in SERVICES.items()
    }
    for name, port in [*ports.items(), ("the console", web_port)]:
        if port_open("127.0.0.1", port):
            _say(f"port {port} (for {name}) is already in use: is the suite already running?")
            return 2

    data_dir.mkdir(parents=True, exist_ok=True)
    logs = data_dir / "logs"
    logs.mkdir(exist_ok=True)
    started: list[ManagedProcess] = []
    # Ctrl-C (SIGINT, often delivered twice: to us and forwarded by a wrapper such as `uv run`) and
    # SIGTERM both stop the suite cleanly; the children run in their own sessions and are stopped
    # below. The first signal interrupts whatever is running; later ones are ignored so they cannot
    # cut the clean-up short.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        web_problem = _build_web(logs)
        mongo_url = os.environ.get("LIVECHAT_MONGODB_URL")
        if not mongo_url:
            mongo = EmbeddedMongo(data_dir / "mongo", port=mongo_port, log=(logs / "mongodb.log").open("ab"))
            _say(f"starting the embedded MongoDB-compatible server on port {mongo.port} ...")
            started.append(mongo)  # listed before it starts: an interrupt during start-up still stops it
            mongo.start()
            mongo_url = mongo.url
        env = {
            "LIVECHAT_MONGODB_URL": mongo_url,
            "LIVECHAT_AMQP_URL": settings.amqp_url,
            "LIVECHAT_LOG_FORMAT": os.environ.get("LIVECHAT_LOG_FORMAT", "console"),
        }
        services = []
        for name, port in ports.items():
            svc = ServiceProcess(name, port, env, log=(logs / f"{name}.log").open("ab"))
            _say(f"starting livechat-{name} on port {port} ...")
            started.append(svc)
            svc.start()
            services.append(svc)
        for svc in services:
            try:
                svc.wait_ready()
            except (RuntimeError, TimeoutError) as exc:
                _say(f"{exc}. The end of {logs}/{svc.name}.log:")
                _say(_tail(logs / f"{svc.name}.log"))
                return 1
        demo = _demo(settings, data_dir / "demo.json")
        web = None
        if web_problem is None:
            web = WebServer(
                web_port,
                {name: f"http://127.0.0.1:{port}" for name, port in ports.items()},
                log=(logs / "web.log").open("ab"),
            )
            _say(f"serving the console and the widget on port {web_port} (vite preview) ...")
            started.append(web)
            web.start()
            try:
                web.wait_ready()
            except (RuntimeError, TimeoutError) as exc:  # the services are still worth running
                _say(_tail(logs / "web.log"))
                web_problem = f"{exc}; see {logs}/web.log"
                started.remove(web)
                web.stop()
                web = None
        _banner(settings, demo, logs, web, web_problem)
        while True:
            dead = [p.name for p in started if not p.alive()]
            if dead:
                _say(f"{', '.join(dead)} stopped unexpectedly; see {logs}/")
                return 1
            time.sleep(1.0)
    except KeyboardInterrupt:
        return 0
    finally:
        _ignore_signals()
        _say("stopping ...")
        for proc in reversed(started):
            proc.stop()
        _say("stopped.")


def _build_web(logs: Path) -> str | None:
    """Build the console and the widget if their sources changed; ``None`` when they can be served,
    else why not (said in the banner: the services run all the same)."""
    problem = node_problem()
    if problem is not None:
        return problem
    log_path = logs / "web-build.log"
    _say(f"building the console and the widget if needed (web/: npm ci, npm run build; log {log_path}) ...")
    with log_path.open("ab") as log:
        try:
            steps = build(WEB_DIR, log)
        except (WebBuildError, OSError, subprocess.TimeoutExpired) as exc:
            _say(_tail(log_path))
            return f"{exc}; see {log_path}"
    _say(f"  ran: {', '.join(steps)}" if steps else "  up to date")
    return None


def _tail(path: Path, lines: int = 8) -> str:
    text = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join(f"  {line[:300]}" for line in text[-lines:])


def _ignore_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def _interrupt(_signum: int, _frame: object) -> None:
    _ignore_signals()
    raise KeyboardInterrupt


def _demo(settings: CliSettings, path: Path) -> dict[str, Any]:
    """Reuse the demo workspace while its admin and its app still exist (the data survives
    restarts); otherwise bootstrap a new one."""
    if path.exists():
        demo: dict[str, Any] = json.loads(path.read_text())
        try:  # a fresh token (the saved one may have expired), through the operator's endpoint
            demo["token"] = token_for(settings, demo["workspace_id"], demo["user_id"])
        except BootstrapError:
            demo = {}
        if demo and _app_exists(settings, demo):
            path.write_text(json.dumps(demo, indent=2))
            return demo
    demo = bootstrap(settings, "Demo")
    path.write_text(json.dumps(demo, indent=2))
    return demo


def _app_exists(settings: CliSettings, demo: dict[str, Any]) -> bool:
    """Whether ingest still has the demo app. Ingest's copy of the directory is fed by the bus and
    kept in its database, so it knows the admin; a 401 is retried briefly in case it is catching up
    (the assignment service announces every user again at start-up)."""
    url = f"{settings.ingest_url.rstrip('/')}/v1/apps/{demo['app_id']}"
    with httpx.Client(timeout=10) as client:
        try:
            request_json(client, "GET", url, token=demo["token"], wait_for_copy=COPY_WAIT_SECONDS)
        except BootstrapError:
            return False
    return True


def _banner(
    settings: CliSettings, demo: dict[str, Any], logs: Path, web: WebServer | None, web_problem: str | None
) -> None:
    app, token = demo["app_id"], demo["token"]
    ingest, inbox = settings.ingest_url.rstrip("/"), settings.inbox_url.rstrip("/")
    ws = inbox.replace("http", "ws", 1)
    if web is not None:
        browser = f"""
  Agent console (an agent):       {web.url}/   (sign in: paste the token below)
  Widget demo site (a person):    {web.demo_url(app)}
  Widget script, to embed:        <script src="{web.url}/widget/livechat-widget.js"
                                    data-app-id="{app}" data-api-base="{web.url}/ingest"></script>
"""
    else:
        browser = f"""
  Agent console and widget:       not served: {web_problem}
"""
    _say(f"""
The livechat suite is running.
{browser}
  Webchat demo page (a person):   {ingest}/webchat/{app}
  Agent API (inbox):              {inbox}/docs
  Other services (/docs each):    {settings.assignment_url}  {settings.export_url}  {settings.aiagent_url}
  Realtime stream (agent):        {ws}/v1/stream?token=$TOKEN

  workspace_id  {demo["workspace_id"]}
  app_id        {app}   (Webchat)
  user_id       {demo["user_id"]}   (admin)
  admin token   {token}

  Try it:
    export TOKEN={token}
    curl -s -H "Authorization: Bearer $TOKEN" {inbox}/v1/chats

Logs: {logs}/   Press Ctrl-C to stop everything.
""")
    sys.stdout.flush()
