"""The `deskhand` command line: one typer app; each command hands off to the module that owns it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Deskhand: chat-ops for MSPs.")


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1 (0 picks a free one).")] = 0,
    ca_file: Annotated[
        Path | None, typer.Option("--ca-file", help="Write the sandbox's test CA (PEM) here.")
    ] = None,
    latency: Annotated[float, typer.Option(help="Seconds of delay added to every request.")] = 0.0,
) -> None:
    """Run the sandbox Microsoft 365 (Graph, login) alone and print its URLs."""
    from integrations.sandbox.serve import run_sandbox

    run_sandbox(port=port, ca_file=ca_file, latency=latency)


def main() -> None:
    app()
