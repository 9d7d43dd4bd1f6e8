"""The deployment files agree with the code: docker-compose.yml, the Dockerfiles, the nginx proxy
and the Kubernetes manifests (ports, routes, LIVECHAT_* settings, scalability).

Plain file parsing, no Docker needed. Only ``<service>.settings`` is imported from the services.
"""

from __future__ import annotations

import importlib
import os
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
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


def dockerfile_stages(path: Path) -> list[dict[str, Any]]:
    """Stages with their resolved base image and instructions (global ARG defaults substituted)."""
    global_args: dict[str, str] = {}
    stages: list[dict[str, Any]] = []
    for keyword, args in dockerfile_instructions(path):
        if keyword == "ARG" and not stages:
            name, _, default = args.partition("=")
            global_args[name] = default
        elif keyword == "FROM":
            parts = args.split()
            image = interpolate(parts[0], global_args)
            alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append({"image": image, "alias": alias, "instructions": []})
        else:
            assert stages, f"{path}: {keyword} before FROM"
            stages[-1]["instructions"].append((keyword, args))
    return stages


def nginx_config() -> str:
    return "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text().splitlines())


def nginx_locations(config: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"location\s+([^\s{]+)\s*\{([^{}]*)\}", config)}


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
    assert Path(build["dockerfile"]) == Path("services") / name / "Dockerfile"
    assert (ROOT / build["dockerfile"]).is_file()

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
    env = {key: interpolate(value) for key, value in compose_env(load_compose()["services"][name]).items()}

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


def test_jwt_secret_comes_from_the_environment_and_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    services = load_compose()["services"]
    raw = {name: compose_env(services[name])["LIVECHAT_JWT_SECRET"] for name in SERVICES}
    assert len(set(raw.values())) == 1, "every service must verify tokens with the same secret"

    real = "x" * 48
    for name, value in raw.items():
        assert interpolate(value, {"LIVECHAT_JWT_SECRET": real}) == real, (
            f"{name}: LIVECHAT_JWT_SECRET must be taken from the caller's environment"
        )
        # With a production env and a real secret, the service's settings validate.
        caller = {"LIVECHAT_JWT_SECRET": real, "LIVECHAT_ENV": "production"}
        env = {key: interpolate(value, caller) for key, value in compose_env(services[name]).items()}
        assert env["LIVECHAT_ENV"] == "production", "LIVECHAT_ENV must be overridable"
        settings = settings_from_env(name, env, monkeypatch)
        assert (settings.env, settings.jwt_secret) == ("production", real)


def test_services_share_broker_and_database() -> None:
    services = load_compose()["services"]
    for key in ("LIVECHAT_AMQP_URL", "LIVECHAT_MONGODB_URL", "LIVECHAT_EXCHANGE"):
        values = {compose_env(services[name]).get(key) for name in SERVICES}
        assert len(values) == 1, f"{key} differs between services: {values}"


def test_proxy_publishes_8080_and_mounts_the_nginx_config() -> None:
    proxy = load_compose()["services"]["proxy"]
    published: dict[int, int] = {}
    for port in proxy["ports"]:
        if isinstance(port, dict):
            published[int(port["published"])] = int(port["target"])
        else:
            *host, target = interpolate(str(port)).split(":")
            published[int(host[-1])] = int(target.split("/")[0])
    assert PROXY_HOST_PORT in published

    listen = re.findall(r"^\s*listen\s+(?:[\d.]+:)?(\d+)", nginx_config(), re.MULTILINE)
    assert str(published[PROXY_HOST_PORT]) in listen, "the published port must reach nginx's listener"

    mounts = [str(v).split(":")[0] if isinstance(v, str) else v["source"] for v in proxy["volumes"]]
    assert any((COMPOSE_FILE.parent / m).resolve() == NGINX_CONF.resolve() for m in mounts)


# --------------------------------------------------------------------------------------------
# Dockerfiles
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dockerfile(name: str) -> None:
    path = ROOT / "services" / name / "Dockerfile"
    stages = dockerfile_stages(path)
    python_stages = [s for s in stages if s["image"] == "python:3.11-slim"]
    assert len(python_stages) >= 2, "multi-stage on python:3.11-slim (builder + runtime)"
    copies = [args for s in stages for kw, args in s["instructions"] if kw == "COPY"]
    assert any(s["image"].startswith("ghcr.io/astral-sh/uv:") for s in stages) or any(
        "--from=ghcr.io/astral-sh/uv" in args for args in copies
    ), "uv must come from the official image"

    everything = [(kw, args) for s in stages for kw, args in s["instructions"]]
    syncs = [args for kw, args in everything if kw == "RUN" and "uv sync" in args]
    assert syncs, "no `uv sync`"
    final_sync = syncs[-1]
    for flag in ("--frozen", "--no-dev", f"--package livechat-{name}"):
        assert flag in final_sync, f"`uv sync` lacks {flag}"

    runtime = stages[-1]
    assert runtime["image"] == "python:3.11-slim"
    final = runtime["instructions"]
    exposed = [int(p.split("/")[0]) for kw, args in final if kw == "EXPOSE" for p in args.split()]
    assert exposed == [SERVICES[name]]

    users = [args for kw, args in final if kw == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "must run as a non-root user"

    env_text = " ".join(args for kw, args in final if kw == "ENV")
    assert re.search(r"\bLIVECHAT_HOST=0\.0\.0\.0\b", env_text)
    assert re.search(rf"\bLIVECHAT_PORT={SERVICES[name]}\b", env_text)

    healthchecks = [args for kw, args in final if kw == "HEALTHCHECK"]
    assert healthchecks and "/healthz" in healthchecks[-1] and "python" in healthchecks[-1]

    cmds = [args for kw, args in final if kw == "CMD"]
    assert cmds and yaml.safe_load(cmds[-1]) == [f"livechat-{name}"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dockerfile_copies_existing_paths_and_the_whole_workspace_closure(name: str) -> None:
    path = ROOT / "services" / name / "Dockerfile"
    copied: list[str] = []
    for keyword, args in dockerfile_instructions(path):
        if keyword not in ("COPY", "ADD"):
            continue
        parts = [p for p in args.split() if not p.startswith("--")]
        if "--from=" in args:
            continue
        for source in parts[:-1]:
            assert (ROOT / source).exists(), f"{path}: COPY source {source} does not exist"
            copied.append(source.rstrip("/"))

    members = workspace_members()
    for member in workspace_closure(f"livechat-{name}"):
        directory = members[member].relative_to(ROOT).as_posix()
        assert directory in copied, f"{path}: the sources of workspace member {member} are not copied"
    assert "uv.lock" in copied and "pyproject.toml" in copied


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    patterns = {
        line.strip().lstrip("*/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".git", ".venv", ".data", "__pycache__"):
        assert needed in patterns, f".dockerignore does not exclude {needed}"
    for kept in ("libs", "services", "uv.lock", "pyproject.toml"):
        assert kept not in patterns, f".dockerignore excludes {kept}, which the Dockerfiles copy"


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
    config = nginx_config()
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
