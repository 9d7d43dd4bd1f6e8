"""Fixtures for integration and end-to-end tests: a real RabbitMQ and a real MongoDB wire server.

With a Docker engine, both come from testcontainers (MongoDB as a single-node replica set, so
transactions work). Without one, RabbitMQ is the local broker (``LIVECHAT_TEST_AMQP_URL``, default
localhost) and MongoDB is the embedded wire-compatible server, started once per session.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from livechat_dev.devstack import EmbeddedMongo, amqp_reachable
from livechat_dev.testing import docker_available, isolated_env, remove_topology, settings_from
from livechat_shared.settings import ServiceSettings

DOCKER = docker_available()


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    if DOCKER:
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-management") as rabbit:
            yield (
                f"amqp://guest:guest@{rabbit.get_container_host_ip()}:{rabbit.get_exposed_port(rabbit.port)}/"
            )
        return
    url = os.environ.get("LIVECHAT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    reason = amqp_reachable(url)
    if reason is not None:
        pytest.fail(f"RabbitMQ is required for these tests and is not reachable at {url}: {reason}")
    yield url


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if DOCKER:
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.waiting_utils import wait_for_logs

        container = (
            DockerContainer("mongo:8")
            .with_command("--replSet rs0 --bind_ip_all --setParameter transactionLifetimeLimitSeconds=10")
            .with_exposed_ports(27017)
        )
        with container:
            wait_for_logs(container, "Waiting for connections")
            host, port = container.get_container_host_ip(), container.get_exposed_port(27017)
            from pymongo import MongoClient

            with MongoClient(host, int(port), directConnection=True) as client:
                client.admin.command(
                    "replSetInitiate", {"_id": "rs0", "members": [{"_id": 0, "host": "localhost:27017"}]}
                )
            yield f"mongodb://{host}:{port}/?directConnection=true"
        return
    server = EmbeddedMongo(Path(tmp_path_factory.mktemp("mongo")))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def env(amqp_url: str, mongo_url: str) -> AsyncIterator[dict[str, str]]:
    """A unique exchange, queue prefix and database prefix for one test; removed afterwards."""
    variables = isolated_env(amqp_url, mongo_url)
    yield variables
    await remove_topology(settings_from(ServiceSettings, variables))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by the layer its folder names (``unit/``, ``integration/``, ``e2e/``,
    ``browser/``), so each layer runs alone: ``pytest -m unit``. A test outside those folders is a
    unit test."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        layer = next((p for p in ("browser", "e2e", "integration", "unit") if p in parts), "unit")
        item.add_marker(getattr(pytest.mark, layer))
