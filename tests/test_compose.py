"""The deployment files agree with the code: docker-compose.yml, the Dockerfile, the nginx proxy
and the Kubernetes manifests (ports, routes, LIVECHAT_* settings, scalability).

Plain file parsing, no Docker needed. Only ``<service>.settings`` is imported from the services.
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import posixpath
import re
import shlex
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# One Dockerfile for every service, parameterised by the build argument SERVICE.
DOCKERFILE = ROOT / "Dockerfile"
NGINX_CONF = ROOT / "deploy" / "nginx" / "nginx.conf"
K8S_DIR = ROOT / "deploy" / "k8s"

SERVICES: dict[str, int] = {
    "ingest": 8081,
    "inbox": 8082,
    "assignment": 8083,
    "export": 8084,
    "aiagent": 8085,
}
INFRA = ("rabbitmq", "mongodb", "proxy")
PROXY_HOST_PORT = 8080
# What a service needs to reach its peers and to verify tokens.
REQUIRED_ENV = ("LIVECHAT_AMQP_URL", "LIVECHAT_MONGODB_URL", "LIVECHAT_JWT_SECRET", "LIVECHAT_PORT")
HPA_SERVICES = ("inbox", "ingest")
# What compose is given for the required secret in these tests (a real one is random).
TEST_SECRET = "k7Qm2vX9pL4sT8wZ1bN6cR3fH5jD0gYe-Rj2"
TEST_OPERATOR_KEY = "Zr8Tq3Lm6Wv1Np4Ks9Xc2Bh7Gd5Fj0Ay-Pq7"
CALLER = {"LIVECHAT_JWT_SECRET": TEST_SECRET, "LIVECHAT_OPERATOR_KEY": TEST_OPERATOR_KEY}
"""What the operator puts in `.env`: both required secrets."""
# Served by every service but not through the public proxy / Ingress (FastAPI's docs UIs and the
# Prometheus endpoint). /openapi.json stays public.
HIDDEN_PATHS = ("/metrics", "/docs", "/docs/oauth2-redirect", "/redoc")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

_INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


class MissingVariable(LookupError):
    pass


def interpolate(text: str, env: dict[str, str] | None = None) -> str:
    """Compose-style ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?err}``, ``$$``."""
    env = env or {}

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        # With a colon an empty value counts as unset, as in compose.
        is_set = bool(value) if op in (":-", ":?", ":+") else value is not None
        if op in (":-", "-"):
            return value if is_set else arg
        if op in (":?", "?"):
            if not is_set:
                raise MissingVariable(f"{name}: {arg}")
            return value
        if op in (":+", "+"):
            return arg if is_set else ""
        return value or ""

    return _INTERPOLATION.sub(sub, text)


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    """A service's ``environment`` as a mapping (both list and mapping syntax), uninterpolated."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in env)
        return {key: value for key, value in pairs}
    return {key: "" if value is None else str(value) for key, value in env.items()}


def settings_class(name: str) -> type:
    return importlib.import_module(f"{name}.settings").Settings


def settings_from_env(name: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``<name>.settings.Settings()`` built from exactly ``env`` (the test's own LIVECHAT_* removed)."""
    for key in [key for key in os.environ if key.startswith("LIVECHAT_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return settings_class(name)()


def settings_env_names(cls: type) -> set[str]:
    return {"LIVECHAT_" + field.upper() for field in cls.model_fields}


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments and blanks dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, args = line.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return instructions


def dockerfile_stages(path: Path, build_args: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The stages of ``path`` as ``docker build --build-arg K=V`` sees them, by alias (or index).

    Each stage has its base (``FROM``, global ARGs substituted), the stage it is built on if that
    base names an earlier stage, and its instructions with the stage's declared ARGs substituted
    (Docker expands them in COPY/ENV/...; in RUN the shell does, to the same effect). CMD and
    HEALTHCHECK are kept verbatim: they run in the image, where build arguments do not exist.
    """
    declared_global: dict[str, str | None] = {}
    stages: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for keyword, args in dockerfile_instructions(path):
        if keyword == "ARG":
            name, eq, default = args.partition("=")
            if current is None:
                declared_global[name] = default if eq else None
            else:
                # An ARG inside a stage re-declares the global one (or adds its own).
                value = build_args.get(name, default if eq else declared_global.get(name))
                current["args"][name] = "" if value is None else value
            continue
        if keyword == "FROM":
            parts = args.split()
            visible = {k: v for k, v in declared_global.items() if v is not None}
            visible |= {k: v for k, v in build_args.items() if k in declared_global}
            base = interpolate(parts[0], visible)
            alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else str(len(stages))
            current = {"base": base, "parent": stages.get(base), "args": {}, "instructions": []}
            stages[alias] = current
            continue
        assert current is not None, f"{path}: {keyword} before FROM"
        if keyword not in ("CMD", "HEALTHCHECK", "ENTRYPOINT"):
            args = substitute_args(args, current["args"])
        current["instructions"].append((keyword, args))
    return stages


def substitute_args(text: str, args: dict[str, str]) -> str:
    """``$NAME`` / ``${NAME}`` replaced for the given build arguments only, anything else kept."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return args[name] if name in args else match.group(0)

    return re.sub(r"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)", sub, text)


def image_stage(stages: dict[str, dict[str, Any]], alias: str) -> dict[str, Any]:
    """A stage with everything it inherits: the base image at the root of its FROM chain and the
    instructions of its ancestor stages before its own."""
    chain = [stages[alias]]
    while chain[0]["parent"] is not None:
        chain.insert(0, chain[0]["parent"])
    return {"image": chain[0]["base"], "instructions": [i for stage in chain for i in stage["instructions"]]}


def dockerfile_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """The ENV of an image (``ENV K=V K2="V 2"`` form), later values winning."""
    env: dict[str, str] = {}
    for keyword, args in instructions:
        if keyword == "ENV":
            for item in shlex.split(args):
                key, eq, value = item.partition("=")
                assert eq, f"ENV {args}: use the KEY=VALUE form"
                env[key] = value
    return env


def service_image(name: str) -> dict[str, Any]:
    """The final stage of the Dockerfile built with ``--build-arg SERVICE=<name>``."""
    stages = dockerfile_stages(DOCKERFILE, {"SERVICE": name})
    return image_stage(stages, list(stages)[-1])


def nginx_config() -> str:
    return "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text().splitlines())


_LOCATION = re.compile(r"location\s+(?:(=|~\*?|\^~)\s+)?([^\s{]+)\s*\{([^{}]*)\}")


def nginx_location_blocks(config: str) -> list[tuple[str, str, str]]:
    """(modifier, pattern, body) of every location, in order; modifier "" for a plain prefix."""
    return [(m.group(1) or "", m.group(2), m.group(3)) for m in _LOCATION.finditer(config)]


def nginx_locations(config: str) -> dict[str, str]:
    return {pattern: body for _, pattern, body in nginx_location_blocks(config)}


def nginx_outside_locations(config: str) -> str:
    """The http and server levels: the config without its location blocks."""
    return _LOCATION.sub("", config)


def nginx_select_location(config: str, uri: str) -> tuple[str, str, str]:
    """The location nginx picks for the normalised ``uri``: an exact match, else the longest prefix
    if it is ``^~``, else the first matching regex in file order, else the longest prefix."""
    blocks = nginx_location_blocks(config)
    for block in blocks:
        if block[0] == "=" and block[1] == uri:
            return block
    prefixes = [b for b in blocks if b[0] in ("", "^~") and uri.startswith(b[1])]
    longest = max(prefixes, key=lambda b: len(b[1]), default=None)
    if longest is not None and longest[0] == "^~":
        return longest
    for block in blocks:
        if block[0].startswith("~"):
            flags = re.IGNORECASE if block[0] == "~*" else 0
            if re.search(block[1], uri, flags):
                return block
    assert longest is not None, f"no location for {uri}"
    return longest


def nginx_normalised_uri(raw: str) -> str:
    """nginx's $uri for a raw request target: query dropped, percent-decoded, `//` merged, `.` and
    `..` segments resolved (what locations are matched against)."""
    path = re.sub(r"/{2,}", "/", unquote(raw.split("?", 1)[0]))
    trailing = path.endswith(("/", "/.", "/.."))
    path = posixpath.normpath(path)
    return path + "/" if trailing and path != "/" else path


def nginx_upstream_uri(config: str) -> Callable[[str], str]:
    """The function of $request_uri that the service locations pass upstream (the prefix map)."""
    locations = nginx_locations(config)
    pass_variable = re.compile(r"proxy_pass\s+http://[^$;]+(\$\w+)")
    variables = {pass_variable.search(locations[f"/{n}/"]).group(1) for n in SERVICES}
    assert len(variables) == 1
    variable = variables.pop()

    block = re.search(r"map\s+\$request_uri\s+" + re.escape(variable) + r"\s*\{([^}]*)\}", config)
    assert block, f"{variable} must be a map of $request_uri"
    rules = re.findall(r'"?~([^"\s]+)"?\s+(\S+);', block.group(1))
    default = re.search(r"default\s+(\S+);", block.group(1)).group(1)

    def strip(uri: str) -> str:
        for pattern, value in rules:
            found = re.search(pattern.replace("(?<", "(?P<"), uri)
            if found:
                groups = found.groupdict()
                return re.sub(r"\$(\w+)", lambda m, g=groups: g.get(m.group(1)) or "", value)
        return default

    return strip


def served_path(upstream_uri: str) -> str:
    """The route a service matches for a request target: percent-decoded path (uvicorn), and a
    trailing slash redirected away (Starlette's redirect_slashes)."""
    path = unquote(upstream_uri.split("?", 1)[0])
    return path.rstrip("/") or "/"


def k8s_documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S_DIR.glob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                assert isinstance(doc, dict), f"{path.name}: a document is not a mapping"
                doc["__file__"] = path.name
                docs.append(doc)
    return docs


def k8s_find(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in k8s_documents() if d.get("kind") == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected exactly one {kind} {name!r} in deploy/k8s, found {len(found)}"
    return found[0]


def workspace_members() -> dict[str, Path]:
    members: dict[str, Path] = {}
    for manifest in [*ROOT.glob("libs/*/pyproject.toml"), *ROOT.glob("services/*/pyproject.toml")]:
        name = tomllib.loads(manifest.read_text())["project"]["name"]
        members[_normalize(name)] = manifest.parent
    return members


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def workspace_closure(package: str) -> set[str]:
    """The workspace members ``package`` needs at run time (itself included)."""
    members = workspace_members()
    todo, seen = [_normalize(package)], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        project = tomllib.loads((members[current] / "pyproject.toml").read_text())["project"]
        for requirement in project.get("dependencies", []):
            dep = _normalize(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))
            if dep in members:
                todo.append(dep)
    return seen


# --------------------------------------------------------------------------------------------
# docker-compose.yml
# --------------------------------------------------------------------------------------------


def test_compose_declares_every_service_and_the_infrastructure() -> None:
    services = load_compose()["services"]
    missing = (set(SERVICES) | set(INFRA)) - set(services)
    assert not missing, f"docker-compose.yml lacks {sorted(missing)}"


def test_infrastructure_images_and_healthchecks() -> None:
    services = load_compose()["services"]

    rabbitmq = services["rabbitmq"]
    assert rabbitmq["image"] == "rabbitmq:3.13-management"
    assert "rabbitmq-diagnostics" in " ".join(rabbitmq["healthcheck"]["test"])

    mongodb = services["mongodb"]
    assert str(mongodb["image"]).startswith("mongo:8")
    command = mongodb["command"]
    command = command if isinstance(command, list) else command.split()
    assert command[command.index("--replSet") + 1] == "rs0"
    check = " ".join(mongodb["healthcheck"]["test"])
    assert "rs.initiate" in check and "'rs0'" in check and "mongodb:27017" in check


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_is_built_from_its_dockerfile_and_scalable(name: str) -> None:
    service = load_compose()["services"][name]

    build = service["build"]
    assert (COMPOSE_FILE.parent / build["context"]).resolve() == ROOT, "build context must be the repo root"
    assert (ROOT / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE.resolve()
    args = build.get("args") or {}
    if isinstance(args, list):
        args = dict(item.split("=", 1) for item in args)
    assert args.get("SERVICE") == name, f"{name}: build.args.SERVICE must be {name!r}"

    # `docker compose up --scale <name>=N` needs both of these absent.
    assert "container_name" not in service
    assert "ports" not in service, "only the proxy publishes ports"

    test = service["healthcheck"]["test"]
    assert "/readyz" in " ".join(test if isinstance(test, list) else [test])

    depends = service["depends_on"]
    for infra in ("rabbitmq", "mongodb"):
        assert depends[infra]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_environment_uses_only_real_settings(name: str) -> None:
    settings_cls = settings_class(name)
    known = settings_env_names(settings_cls)
    env = compose_env(load_compose()["services"][name])

    unknown = {key for key in env if key.startswith("LIVECHAT_")} - known
    assert not unknown, f"{name}: {sorted(unknown)} are not fields of {name}.settings.Settings"
    missing = set(REQUIRED_ENV) - set(env)
    assert not missing, f"{name}: compose does not set {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_environment_points_at_the_stack(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    caller = CALLER
    env = {
        key: interpolate(value, caller)
        for key, value in compose_env(load_compose()["services"][name]).items()
    }

    assert int(env["LIVECHAT_PORT"]) == SERVICES[name]

    amqp = urlsplit(env["LIVECHAT_AMQP_URL"])
    assert amqp.scheme == "amqp" and amqp.hostname == "rabbitmq" and (amqp.port or 5672) == 5672

    mongo = urlsplit(env["LIVECHAT_MONGODB_URL"])
    assert mongo.scheme == "mongodb" and mongo.hostname == "mongodb" and (mongo.port or 27017) == 27017
    assert parse_qs(mongo.query).get("replicaSet") == ["rs0"]

    # The settings class accepts the environment as compose gives it.
    settings = settings_from_env(name, env, monkeypatch)
    assert settings.port == SERVICES[name]
    assert settings.host == "0.0.0.0"
    assert settings.amqp_url == env["LIVECHAT_AMQP_URL"]
    assert settings.mongodb_url == env["LIVECHAT_MONGODB_URL"]


def test_jwt_secret_is_required_and_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    services = load_compose()["services"]
    raw = {name: compose_env(services[name])["LIVECHAT_JWT_SECRET"] for name in SERVICES}
    assert len(set(raw.values())) == 1, "every service must verify tokens with the same secret"

    for name, value in raw.items():
        # `${LIVECHAT_JWT_SECRET:?message}` and nothing else: no default, and unset or empty stops
        # compose with a message that says what to do.
        required = re.fullmatch(r"\$\{LIVECHAT_JWT_SECRET:\?(?P<message>[^}]+)\}", value)
        assert required, f"{name}: LIVECHAT_JWT_SECRET must be ${{LIVECHAT_JWT_SECRET:?...}}, not {value!r}"
        assert "32" in required.group("message"), "the message should say how long the secret must be"
        for caller in ({}, {"LIVECHAT_JWT_SECRET": ""}):
            with pytest.raises(MissingVariable):
                interpolate(value, caller)
        assert interpolate(value, CALLER) == TEST_SECRET

    # No development secret anywhere in the file (e.g. a default on another variable).
    text = COMPOSE_FILE.read_text()
    dev_secret = settings_class("inbox").model_fields["jwt_secret"].default
    assert dev_secret not in text
    assert not re.search(r"LIVECHAT_JWT_SECRET:?[-+]", text), "LIVECHAT_JWT_SECRET must have no default"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_services_run_in_production_mode(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = compose_env(load_compose()["services"][name])
    # Not even a LIVECHAT_ENV=development in the caller's shell or .env turns it off.
    for caller_env in ("", "development", "test"):
        caller = {"LIVECHAT_JWT_SECRET": TEST_SECRET, "LIVECHAT_ENV": caller_env}
        assert interpolate(raw["LIVECHAT_ENV"], caller) == "production"

    env = {key: interpolate(value, CALLER) for key, value in raw.items()}
    settings = settings_from_env(name, env, monkeypatch)
    assert (settings.env, settings.jwt_secret) == ("production", TEST_SECRET)
    # ... where the service itself refuses a weak secret.
    weak = {
        key: interpolate(value, CALLER | {"LIVECHAT_JWT_SECRET": "too-short"}) for key, value in raw.items()
    }
    with pytest.raises(ValueError, match="LIVECHAT_JWT_SECRET"):
        settings_from_env(name, weak, monkeypatch)


def test_operator_key_is_required_and_shared() -> None:
    for name in SERVICES:
        value = compose_env(load_compose()["services"][name])["LIVECHAT_OPERATOR_KEY"]
        assert re.fullmatch(r"\$\{LIVECHAT_OPERATOR_KEY:\?[^}]+\}", value), (
            f"{name}: no default, no empty key"
        )
        with pytest.raises(MissingVariable):
            interpolate(value, {"LIVECHAT_JWT_SECRET": TEST_SECRET})
        assert interpolate(value, CALLER) == TEST_OPERATOR_KEY


def test_services_share_broker_and_database() -> None:
    services = load_compose()["services"]
    for key in ("LIVECHAT_AMQP_URL", "LIVECHAT_MONGODB_URL", "LIVECHAT_EXCHANGE"):
        values = {compose_env(services[name]).get(key) for name in SERVICES}
        assert len(values) == 1, f"{key} differs between services: {values}"


def published_ports(service: dict[str, Any], env: dict[str, str]) -> list[tuple[str | None, int, int]]:
    """(host address or None for every interface, host port, container port) of a service."""
    published: list[tuple[str | None, int, int]] = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            host_ip = interpolate(str(port["host_ip"]), env) if port.get("host_ip") else None
            published.append((host_ip, int(interpolate(str(port["published"]), env)), int(port["target"])))
            continue
        text = interpolate(str(port), env).split("/")[0]
        match = re.fullmatch(
            r"(?:(?:\[(?P<ip6>[^\]]+)\]|(?P<ip>[^:\[]+)):)?(?:(?P<host>\d+):)?(?P<target>\d+)", text
        )
        assert match and match.group("host"), f"{port!r}: give the host port explicitly"
        host_ip = match.group("ip6") or match.group("ip")
        published.append((host_ip, int(match.group("host")), int(match.group("target"))))
    return published


def is_loopback(address: str | None) -> bool:
    return address is not None and ipaddress.ip_address(address).is_loopback


def test_proxy_publishes_8080_on_loopback_and_mounts_the_nginx_config() -> None:
    proxy = load_compose()["services"]["proxy"]
    published = {host: (address, target) for address, host, target in published_ports(proxy, {})}
    assert PROXY_HOST_PORT in published
    address, target = published[PROXY_HOST_PORT]
    assert is_loopback(address), f"the proxy is published on {address or 'every interface'} by default"

    # LIVECHAT_PROXY_BIND opens it up on purpose.
    opened = published_ports(proxy, {"LIVECHAT_PROXY_BIND": "0.0.0.0"})
    assert ("0.0.0.0", PROXY_HOST_PORT, target) in opened

    listen = re.findall(r"^\s*listen\s+(?:[\d.]+:)?(\d+)", nginx_config(), re.MULTILINE)
    assert str(target) in listen, "the published port must reach nginx's listener"

    mounts = [str(v).split(":")[0] if isinstance(v, str) else v["source"] for v in proxy["volumes"]]
    assert any((COMPOSE_FILE.parent / m).resolve() == NGINX_CONF.resolve() for m in mounts)


def test_nothing_is_published_on_every_interface_by_default() -> None:
    for name, service in load_compose()["services"].items():
        for address, host, _ in published_ports(service, CALLER):
            assert is_loopback(address), f"{name} publishes {host} on {address or 'every interface'}"


# --------------------------------------------------------------------------------------------
# Dockerfile
# --------------------------------------------------------------------------------------------


def test_dockerfile_has_one_port_stage_per_service() -> None:
    # The Dockerfile knows exactly the services of this suite (no stale or missing one).
    stages = dockerfile_stages(DOCKERFILE, {"SERVICE": "inbox"})
    port_stages = {alias.removeprefix("service-") for alias in stages if alias.startswith("service-")}
    assert port_stages == set(SERVICES)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dockerfile(name: str) -> None:
    stages = dockerfile_stages(DOCKERFILE, {"SERVICE": name})
    python_stages = [s for s in stages.values() if s["base"] == "python:3.11-slim"]
    assert len(python_stages) >= 2, "multi-stage on python:3.11-slim (builder + runtime)"
    everything = [(kw, args) for s in stages.values() for kw, args in s["instructions"]]
    copies = [args for kw, args in everything if kw == "COPY"]
    assert any(s["base"].startswith("ghcr.io/astral-sh/uv:") for s in stages.values()) or any(
        "--from=ghcr.io/astral-sh/uv" in args for args in copies
    ), "uv must come from the official image"

    syncs = [args for kw, args in everything if kw == "RUN" and "uv sync" in args]
    assert syncs, "no `uv sync`"
    final_sync = syncs[-1]
    for flag in ("--frozen", "--no-dev", "--no-editable"):
        assert flag in final_sync, f"`uv sync` lacks {flag}"
    for sync in syncs:
        assert re.search(rf"--package livechat-{name}(?!\S)", sync), f"`{sync}` is not for livechat-{name}"

    runtime = service_image(name)
    assert runtime["image"] == "python:3.11-slim"
    final = runtime["instructions"]
    exposed = [int(p.split("/")[0]) for kw, args in final if kw == "EXPOSE" for p in args.split()]
    assert exposed == [SERVICES[name]]
    assert any(kw == "COPY" and "--from=builder" in args for kw, args in final), (
        "the venv comes from the builder"
    )

    users = [args for kw, args in final if kw == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "must run as a non-root user"
    assert users[-1].split(":")[0].isdigit(), "a numeric user, so that runAsNonRoot can check it"

    env = dockerfile_env(final)
    assert env.get("LIVECHAT_HOST") == "0.0.0.0"
    assert env.get("LIVECHAT_PORT") == str(SERVICES[name])

    healthchecks = [args for kw, args in final if kw == "HEALTHCHECK"]
    assert healthchecks and "/healthz" in healthchecks[-1] and "python" in healthchecks[-1]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dockerfile_runs_the_service_as_pid_1(name: str) -> None:
    final = service_image(name)["instructions"]
    cmds = [args for kw, args in final if kw == "CMD"]
    assert cmds, "no CMD"
    assert not [args for kw, args in final if kw == "ENTRYPOINT"]
    argv = yaml.safe_load(cmds[-1])
    assert isinstance(argv, list), "exec-form CMD (a shell-form one does not pass signals on)"
    if argv[:2] in (["sh", "-c"], ["/bin/sh", "-c"]):
        # The shell expands the image's ENV (never build args), then must `exec` the service so
        # that it is PID 1 and gets SIGTERM.
        env = dockerfile_env(final)
        words = shlex.split(interpolate(argv[2], env))
        assert words[0] == "exec", f"{argv[2]!r}: the shell must exec the service"
        argv = words[1:]
    assert argv == [f"livechat-{name}"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dockerfile_copies_the_workspace_closure_and_nothing_else(name: str) -> None:
    copied: list[str] = []
    for stage in dockerfile_stages(DOCKERFILE, {"SERVICE": name}).values():
        for keyword, args in stage["instructions"]:
            if keyword not in ("COPY", "ADD") or "--from=" in args:
                continue
            parts = [p for p in args.split() if not p.startswith("--")]
            for source in parts[:-1]:
                assert (ROOT / source).exists(), f"SERVICE={name}: COPY source {source} does not exist"
                copied.append(Path(source).as_posix().rstrip("/"))
    assert "uv.lock" in copied and "pyproject.toml" in copied

    members = workspace_members()
    closure = workspace_closure(f"livechat-{name}")
    for member, directory in members.items():
        rel = directory.relative_to(ROOT)
        if member in closure:
            assert rel.as_posix() in copied, f"SERVICE={name}: the sources of {member} are not copied"
        else:
            # Neither copied itself nor within a copied folder (`COPY libs libs`, `COPY . .`).
            inside = [c for c in copied if c in (".", "") or rel == Path(c) or Path(c) in rel.parents]
            assert not inside, f"SERVICE={name}: {member} is not needed but copied by {inside}"


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    patterns = {
        line.strip().lstrip("*/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".git", ".venv", ".data", "__pycache__"):
        assert needed in patterns, f".dockerignore does not exclude {needed}"
    for kept in ("libs", "services", "uv.lock", "pyproject.toml"):
        assert kept not in patterns, f".dockerignore excludes {kept}, which the Dockerfile copies"


# --------------------------------------------------------------------------------------------
# nginx
# --------------------------------------------------------------------------------------------


def test_nginx_routes_every_prefix_to_its_service() -> None:
    locations = nginx_locations(nginx_config())
    for name, port in SERVICES.items():
        body = locations.get(f"/{name}/")
        assert body is not None, f"nginx.conf has no `location /{name}/`"
        passes = re.findall(r"proxy_pass\s+([^;]+);", body)
        assert len(passes) == 1, f"/{name}/: {passes}"
        target = re.fullmatch(r"http://([\w.-]+):(\d+)(\$\w+)?", passes[0].strip())
        assert target, f"/{name}/: unexpected proxy_pass {passes[0]}"
        assert (target.group(1), int(target.group(2))) == (name, port), f"/{name}/ goes to {passes[0]}"
        # A variable in proxy_pass makes nginx resolve the name per request (scaled replicas).
        assert target.group(3), f"/{name}/: proxy_pass needs a variable for per-request DNS"


def test_nginx_strips_the_prefix() -> None:
    strip = nginx_upstream_uri(nginx_config())
    for name in SERVICES:
        assert strip(f"/{name}/v1/things?limit=10&a=%2F") == "/v1/things?limit=10&a=%2F"
        assert strip(f"/{name}/") == "/"
    assert strip("/inbox/v1/stream") == "/v1/stream"
    assert strip("/ingest/v1/webchat/app_1/ws") == "/v1/webchat/app_1/ws"


def test_nginx_websockets_and_docker_dns() -> None:
    config = nginx_config()
    assert re.search(r"^\s*resolver\s+127\.0\.0\.11\b", config, re.MULTILINE)
    assert re.search(r"proxy_set_header\s+Upgrade\s+\$http_upgrade;", config)
    assert re.search(r"proxy_set_header\s+Connection\s+\$connection_upgrade;", config)
    assert re.search(r"map\s+\$http_upgrade\s+\$connection_upgrade", config)
    assert re.search(r"proxy_http_version\s+1\.1;", config)
    # proxy_set_header is not inherited by a level that sets its own: the upgrade headers would be
    # lost in any location that adds one.
    for prefix, body in nginx_locations(config).items():
        assert "proxy_set_header" not in body, f"location {prefix} drops the server-level headers"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_nginx_hides_metrics_and_docs(name: str) -> None:
    config = nginx_config()
    strip = nginx_upstream_uri(config)

    def route(raw: str) -> tuple[str, str | None]:
        """(location pattern, path served upstream or None when nginx answers itself)."""
        _, pattern, body = nginx_select_location(config, nginx_normalised_uri(raw))
        return pattern, served_path(strip(raw)) if "proxy_pass" in body else None

    for hidden in HIDDEN_PATHS:
        for raw in (f"/{name}{hidden}", f"/{name}{hidden}/", f"/{name}{hidden}?x=1"):
            pattern, served = route(raw)
            assert served is None, f"{raw} reaches {name} as {served}"
            assert re.search(r"return\s+404\b", nginx_locations(config)[pattern]), f"{raw}: not a 404"

    # Spellings of the same paths: whatever location nginx picks, the service must not serve one.
    tricks = [
        f"/{name}//metrics",
        f"/{name}/./metrics",
        f"/{name}/v1/../metrics",
        f"/{name}/%6detrics",
        f"/{name}/%2e/docs",
        f"/{name}%2Fmetrics",
        f"/{name}%2Fv1/metrics",
        f"/{name}%2F..%2F{name}/redoc",
        f"/x/..%2F{name}/metrics",
    ]
    for raw in tricks:
        _, served = route(raw)
        assert served not in HIDDEN_PATHS, f"{raw} reaches {name} as {served}"

    # The rest of the service, /openapi.json included, stays reachable.
    for path in ("/openapi.json", "/healthz", "/v1/things", "/v1/metrics", "/docsearch"):
        pattern, served = route(f"/{name}{path}")
        assert (pattern, served) == (f"/{name}/", path)


def test_nginx_security_headers_on_every_response() -> None:
    config = nginx_config()
    added = {
        m.group(1).lower(): (m.group(2).strip('"'), bool(m.group(3)))
        for m in re.finditer(
            r"^\s*add_header\s+(\S+)\s+(\"[^\"]*\"|\S+)(\s+always)?\s*;",
            nginx_outside_locations(config),
            re.M,
        )
    }
    for header, value in SECURITY_HEADERS.items():
        assert added.get(header.lower()) == (value, True), f"{header}: {value} always (errors too)"
    assert "content-security-policy" not in added, "the services set their own CSP"
    # add_header is inherited only by levels that set none of their own.
    for prefix, body in nginx_locations(config).items():
        assert "add_header" not in body, f"location {prefix} drops the server-level headers"


# --------------------------------------------------------------------------------------------
# Kubernetes
# --------------------------------------------------------------------------------------------


def test_k8s_manifests_parse_and_are_namespaced() -> None:
    docs = k8s_documents()
    assert docs
    kinds = {doc.get("kind") for doc in docs}
    expected = ("Namespace", "ConfigMap", "Secret", "Deployment", "Service", "Ingress")
    for kind in (*expected, "HorizontalPodAutoscaler"):
        assert kind in kinds, f"deploy/k8s has no {kind}"
    for doc in docs:
        if doc["kind"] not in ("Namespace", "Kustomization"):
            assert doc["metadata"].get("namespace") == "livechat", f"{doc['__file__']}: {doc['kind']}"


def test_k8s_kustomization_lists_existing_files() -> None:
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (K8S_DIR / resource).is_file(), resource
    for name in SERVICES:
        assert f"{name}.yaml" in kustomization["resources"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_k8s_deployment_and_service(name: str) -> None:
    port = SERVICES[name]
    deployment = k8s_find("Deployment", name)
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()

    (container,) = pod["spec"]["containers"]
    assert [p["containerPort"] for p in container["ports"]] == [port]
    port_names = {p.get("name"): p["containerPort"] for p in container["ports"]}
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    assert env.get("LIVECHAT_PORT") == str(port)
    assert "livechat-" + name in container["image"]

    def probe_port(probe: dict[str, Any]) -> int:
        value = probe["httpGet"]["port"]
        return port_names[value] if isinstance(value, str) else value

    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert probe_port(container["readinessProbe"]) == port == probe_port(container["livenessProbe"])
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]

    # Every LIVECHAT_* the pod gets is a real setting.
    known = settings_env_names(settings_class(name))
    names = set(env)
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(k8s_find("ConfigMap", source["configMapRef"]["name"])["data"])
        if "secretRef" in source:
            secret = k8s_find("Secret", source["secretRef"]["name"])
            names |= set(secret.get("stringData", {})) | set(secret.get("data", {}))
    livechat = {n for n in names if n.startswith("LIVECHAT_")}
    assert livechat <= known, f"{name}: {sorted(livechat - known)} are not settings"
    assert set(REQUIRED_ENV) <= livechat

    service = k8s_find("Service", name)
    assert service["spec"]["selector"].items() <= labels.items()
    (service_port,) = service["spec"]["ports"]
    assert service_port["port"] == port
    target = service_port.get("targetPort", port)
    assert (port_names[target] if isinstance(target, str) else target) == port


@pytest.mark.parametrize("name", HPA_SERVICES)
def test_k8s_hpa(name: str) -> None:
    hpa = k8s_find("HorizontalPodAutoscaler", name)
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", name)
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    # The HPA owns the replica count; a fixed one in the Deployment would fight it on every apply.
    assert "replicas" not in k8s_find("Deployment", name)["spec"]


def test_k8s_ingress_routes_every_prefix() -> None:
    (ingress,) = [d for d in k8s_documents() if d["kind"] == "Ingress"]
    routes: dict[str, tuple[str, int]] = {}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            routes[path["path"]] = (backend["name"], backend["port"]["number"])
    for name, port in SERVICES.items():
        matching = [target for path, target in routes.items() if re.match(rf"/{name}(?![\w-])", path)]
        assert matching == [(name, port)], f"ingress route for /{name}: {matching}"


def test_k8s_ingress_hides_metrics_and_docs() -> None:
    (ingress,) = [d for d in k8s_documents() if d["kind"] == "Ingress"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations.get("nginx.ingress.kubernetes.io/use-regex") == "true"
    rewrite = annotations["nginx.ingress.kubernetes.io/rewrite-target"]
    paths = [
        (p["path"], p["backend"]["service"]["name"])
        for r in ingress["spec"]["rules"]
        for p in r["http"]["paths"]
    ]

    def route(uri: str) -> list[tuple[str, str]]:
        """(service, rewritten path) of every path regex matching ``uri`` (ingress-nginx anchors
        them at the start and matches case-insensitively)."""
        found = []
        for path, service in paths:
            match = re.match(path, uri, re.IGNORECASE)
            if match:
                found.append(
                    (service, re.sub(r"\$(\d)", lambda m, g=match: g.group(int(m.group(1))) or "", rewrite))
                )
        return found

    for name in SERVICES:
        for hidden in HIDDEN_PATHS:
            for uri in (f"/{name}{hidden}", f"/{name}{hidden}/", f"/{name.upper()}{hidden.upper()}"):
                assert not [r for r in route(uri) if served_path(r[1]) in HIDDEN_PATHS], uri
        for path in ("/openapi.json", "/v1/things", "/docsearch", "/"):
            assert route(f"/{name}{path}") == [(name, path)]
        assert route(f"/{name}") == [(name, "/")]
