# Shared set-up of scripts/run and scripts/test: uv, the locked environment, and RabbitMQ.
# Sourced, not executed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ensure_uv() {
  if ! command -v uv >/dev/null 2>&1; then
    export PATH="$HOME/.local/bin:$PATH"
  fi
  if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv ..." >&2
    python3 -m pip install --quiet --user "uv==0.13.9" 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages --user "uv==0.13.9"
  fi
  uv sync --frozen --quiet
}

amqp_up() {
  uv run --frozen python -c 'import os, sys
from livechat_dev.devstack import amqp_reachable
sys.exit(0 if amqp_reachable(os.environ.get("LIVECHAT_AMQP_URL", "amqp://guest:guest@localhost:5672/"), 3) is None else 1)'
}

# Start a locally installed RabbitMQ when none answers (no-op when one does or when none is installed).
ensure_rabbitmq() {
  if amqp_up; then return 0; fi
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "starting the local RabbitMQ (rabbitmq-server -detached) ..." >&2
    rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do
      if amqp_up; then return 0; fi
      sleep 1
    done
  fi
  return 0  # the caller reports a missing broker with a clear message
}
