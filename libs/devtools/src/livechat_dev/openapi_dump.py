"""Write each service's OpenAPI document to ``web/api/<service>.json`` for the web console.

The console's TypeScript types are generated from these files (``npm run gen`` in ``web/``), so a
renamed or removed field breaks the console's type check. Run it after changing a route or a schema:

    uv run --frozen python -m livechat_dev.openapi_dump            # writes web/api/*.json
    uv run --frozen python -m livechat_dev.openapi_dump --check    # exit 1 when a file is stale

Building an app opens no connection (clients connect in the lifespan), so no database or broker is
needed; throwaway secrets are used, as the shape tests do.
"""

from __future__ import annotations

import argparse
import importlib
import json
import secrets
import sys
from pathlib import Path
from typing import Any

SERVICES = ("ingest", "inbox", "assignment", "export", "aiagent")
ROOT = Path(__file__).resolve().parents[4]
DEFAULT_OUT = ROOT / "web" / "api"


def document(service: str) -> dict[str, Any]:
    """The OpenAPI document of ``service``, built from its composition root."""
    app_module = importlib.import_module(f"{service}.app")
    settings_class = importlib.import_module(f"{service}.settings").Settings
    settings = settings_class(
        env="test", jwt_secret=secrets.token_urlsafe(32), operator_key=secrets.token_urlsafe(32)
    )
    openapi: dict[str, Any] = app_module.create_app(settings).openapi()
    return openapi


def render(service: str) -> str:
    return json.dumps(document(service), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the JSON files")
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1)")
    parser.add_argument("services", nargs="*", default=list(SERVICES))
    args = parser.parse_args(argv)
    out: Path = args.out
    stale = []
    for service in args.services:
        text = render(service)
        path = out / f"{service}.json"
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    if stale:
        print("stale OpenAPI documents (run python -m livechat_dev.openapi_dump):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
