"""The ``livechat`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import httpx
import typer

from .bootstrap import BootstrapError, CliSettings, bootstrap, token_for

app = typer.Typer(no_args_is_help=True, add_completion=False, help="The livechat suite's command line.")


@app.command("bootstrap")
def bootstrap_cmd(workspace: Annotated[str, typer.Option(help="Name of the new workspace")] = "Demo") -> None:
    """Create a workspace and its admin (the operator's call, with LIVECHAT_OPERATOR_KEY), then as
    that admin a default teamspace and team and a Webchat app; print them as JSON."""
    try:
        print(json.dumps(bootstrap(CliSettings(), workspace)))
    except (BootstrapError, httpx.HTTPError, OSError) as exc:
        typer.echo(f"bootstrap failed: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command("token")
def token_cmd(
    workspace: Annotated[str, typer.Option(help="Workspace id")],
    user: Annotated[str, typer.Option(help="User id")],
) -> None:
    """Print {"token": ...} for an existing, active user, looked up with LIVECHAT_OPERATOR_KEY
    (development signing key only)."""
    try:
        print(json.dumps({"token": token_for(CliSettings(), workspace, user)}))
    except (BootstrapError, httpx.HTTPError, OSError) as exc:
        typer.echo(f"token failed: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command("run")
def run_cmd(
    data_dir: Annotated[
        Path, typer.Option(help="Where the embedded database, demo data and logs live")
    ] = Path(".data"),
    mongo_port: Annotated[int, typer.Option(help="Port of the embedded MongoDB-compatible server")] = 27027,
    web_port: Annotated[
        int, typer.Option(help="Port of the agent console, the widget and the proxied services (Node.js)")
    ] = 8080,
) -> None:
    """Run every service locally with demo data, and the agent console and the Webchat widget
    (built from web/ when Node.js is installed); Ctrl-C stops everything.

    Service ports come from LIVECHAT_<SERVICE>_URL (defaults 8081-8085).
    """
    from .runner import run

    sys.exit(run(data_dir, mongo_port, web_port))
