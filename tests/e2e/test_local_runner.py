"""The README's run command (``livechat run``): starts everything, prints where to go, stops on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
from livechat_dev.devstack import SERVICES, free_port, port_open
from livechat_dev.testing import isolated_env, remove_topology, settings_from
from livechat_dev.web import node_problem
from livechat_shared.settings import ServiceSettings
from websockets.sync.client import connect


def test_run_explains_an_unreachable_broker(tmp_path: Path) -> None:
    env = {**os.environ, "LIVECHAT_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/"}
    out = subprocess.run(
        ["livechat", "run", "--data-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2
    assert "RabbitMQ is not reachable" in out.stdout
    assert "rabbitmq-server -detached" in out.stdout and "LIVECHAT_AMQP_URL" in out.stdout
    assert not (tmp_path / "logs").exists()  # nothing was started


def test_run_starts_the_suite_with_demo_data_and_stops_on_ctrl_c(
    amqp_url: str, mongo_url: str, tmp_path: Path
) -> None:
    variables = isolated_env(amqp_url, mongo_url)
    variables.pop("LIVECHAT_MONGODB_URL")  # the runner starts its own embedded server
    ports = {name: free_port() for name in SERVICES}
    variables |= {f"LIVECHAT_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {k: v for k, v in os.environ.items() if k != "LIVECHAT_MONGODB_URL"} | variables
    mongo_port, web_port = free_port(), free_port()
    runner = subprocess.Popen(
        [
            "livechat",
            "run",
            "--data-dir",
            str(tmp_path),
            "--mongo-port",
            str(mongo_port),
            "--web-port",
            str(web_port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        banner = []
        deadline = time.monotonic() + 300  # web/ is built first when its sources changed
        while time.monotonic() < deadline:
            line = runner.stdout.readline()
            assert line, "the runner exited early:\n" + "".join(banner)
            banner.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(banner)
        token = re.search(r"admin token\s+(\S+)", text).group(1)
        app_id = re.search(r"app_id\s+(\S+)", text).group(1)
        assert f"http://127.0.0.1:{ports['ingest']}/webchat/{app_id}" in text

        with httpx.Client(timeout=10) as http:
            for name, port in ports.items():
                assert (http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200, name
            chats = http.get(
                f"http://127.0.0.1:{ports['inbox']}/v1/chats", headers={"Authorization": f"Bearer {token}"}
            )
            assert chats.status_code == 200 and chats.json()["total"] == 0
            page = http.get(f"http://127.0.0.1:{ports['ingest']}/webchat/{app_id}")
            assert page.status_code == 200 and "<title>Webchat</title>" in page.text
        assert (tmp_path / "demo.json").exists()

        # The console, the widget and its demo site on one origin, the services proxied behind it.
        web = f"http://127.0.0.1:{web_port}"
        problem = node_problem()
        if problem is None:
            assert f"{web}/" in text and f"{web}/demo/?app_id={app_id}" in text, text
            with httpx.Client(timeout=10) as http:
                console = http.get(f"{web}/")
                assert console.status_code == 200 and "<title>" in console.text
                widget = http.get(f"{web}/widget/livechat-widget.js")
                assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
                demo = http.get(f"{web}/demo/?app_id={app_id}")
                assert demo.status_code == 200 and "livechat-widget.js" in demo.text
                proxied = http.get(f"{web}/inbox/v1/chats", headers={"Authorization": f"Bearer {token}"})
                assert proxied.status_code == 200 and proxied.json()["total"] == 0
            with connect(f"ws://127.0.0.1:{web_port}/inbox/v1/stream?token={token}", open_timeout=10):
                pass  # the WebSocket upgrade went through the proxy
        else:
            assert f"not served: {problem}" in text

        # Ctrl-C in a terminal: SIGINT to the process group, often twice (a wrapper such as
        # `uv run` forwards its own copy); the second must not cut the clean-up short.
        os.killpg(runner.pid, signal.SIGINT)
        os.killpg(runner.pid, signal.SIGINT)
        assert runner.wait(timeout=60) == 0
        for name, port in [*ports.items(), ("mongodb", mongo_port), ("web", web_port)]:
            assert not port_open("127.0.0.1", port), f"{name} still listening after Ctrl-C"
    finally:
        if runner.poll() is None:  # a failed assertion: the runner stops what it started (own sessions)
            os.killpg(runner.pid, signal.SIGINT)
            try:
                runner.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(runner.pid, signal.SIGKILL)
        asyncio.run(remove_topology(settings_from(ServiceSettings, variables)))
