# syntax=docker/dockerfile:1
#
# The image of one service of the livechat suite, chosen by the build argument SERVICE
# (ingest | inbox | assignment | export | aiagent). It holds livechat-<SERVICE>, livechat-shared
# and their locked third-party dependencies, nothing else: the development-only workspace members
# (libs/cli, libs/devtools) are never copied nor installed.
#
# Build context is the REPOSITORY ROOT (the uv workspace):
#   docker build --build-arg SERVICE=inbox -t livechat-inbox:dev .
# or `docker compose build inbox`. Needs BuildKit (the default builder of Docker Engine >= 23),
# which builds only the stages the chosen service needs.

ARG PYTHON_IMAGE=python:3.11-slim
# Keep in step with the uv that writes uv.lock.
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
# Required, no default: an image must be built for one service. A missing or unknown value fails
# at `FROM service-${SERVICE}` below (there is no such stage).
ARG SERVICE

FROM ${UV_IMAGE} AS uv

# ---------------------------------------------------------------------------------------------
# builder: resolve the locked dependencies of livechat-$SERVICE into /app/.venv
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ARG SERVICE
COPY --from=uv /uv /uvx /bin/

# Use the image's interpreter (the runtime stage has the same one at the same path), compile
# bytecode once at build time, copy rather than hard-link out of the cache mount.
ENV UV_PYTHON_DOWNLOADS=0 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /app

# 1) Third-party dependencies only. They change far less often than the code, so this layer is
#    cached across code edits. `--frozen` trusts uv.lock as is (it is not re-resolved), so only the
#    manifests of the workspace members this image installs need to be present. If a service
#    ever depends on another workspace member, copy that member's manifest here and its sources
#    below.
COPY pyproject.toml uv.lock ./
COPY libs/shared/pyproject.toml libs/shared/pyproject.toml
COPY services/${SERVICE}/pyproject.toml services/${SERVICE}/pyproject.toml
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package livechat-${SERVICE}

# 2) The workspace members themselves, installed as wheels (--no-editable) so that the runtime
#    stage needs the virtualenv only, not the sources.
COPY libs/shared libs/shared
COPY services/${SERVICE} services/${SERVICE}
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package livechat-${SERVICE}

# ---------------------------------------------------------------------------------------------
# runtime-base: what every service image shares (a non-root user; no uv, sources or compiler)
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime-base

RUN groupadd --system --gid 10001 livechat \
    && useradd --system --uid 10001 --gid livechat --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin livechat

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LIVECHAT_HOST=0.0.0.0

WORKDIR /app

# ---------------------------------------------------------------------------------------------
# service-<name>: the port of each service, the one docker-compose.yml, deploy/nginx/nginx.conf
# and deploy/k8s use (and its Settings default). `FROM service-${SERVICE}` picks one.
# ---------------------------------------------------------------------------------------------
FROM runtime-base AS service-ingest
ENV LIVECHAT_PORT=8081
EXPOSE 8081

FROM runtime-base AS service-inbox
ENV LIVECHAT_PORT=8082
EXPOSE 8082

FROM runtime-base AS service-assignment
ENV LIVECHAT_PORT=8083
EXPOSE 8083

FROM runtime-base AS service-export
ENV LIVECHAT_PORT=8084
EXPOSE 8084

FROM runtime-base AS service-aiagent
ENV LIVECHAT_PORT=8085
EXPOSE 8085

# ---------------------------------------------------------------------------------------------
# runtime: the chosen service's stage plus its virtualenv
# ---------------------------------------------------------------------------------------------
FROM service-${SERVICE} AS runtime
ARG SERVICE
# Baked in at build time: CMD cannot expand build arguments, but it can expand this.
ENV LIVECHAT_SERVICE=${SERVICE}

# Owned by root and read-only for the service user: the service keeps no local state.
COPY --from=builder /app/.venv /app/.venv

# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

# Liveness only (the process answers); readiness (broker + database) is /readyz, which compose
# and Kubernetes probe separately. python:slim has no curl, so probe with the standard library.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['LIVECHAT_PORT'] + '/healthz', timeout=4)"]

# The shell only expands the service name: `exec` replaces it with the service, which so runs as
# PID 1 and receives SIGTERM from `docker stop` / Kubernetes directly.
CMD ["/bin/sh", "-c", "exec \"livechat-$LIVECHAT_SERVICE\""]
