"""The `deskhand` command line: one typer app; each command hands off to the module that owns it."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.operator.terminal import terminal_console
from core.errors import DeskhandError

if TYPE_CHECKING:
    from bot.audit.chain import ChainReport

T = TypeVar("T")

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Deskhand: chat-ops for MSPs.")
licenses_app = typer.Typer(no_args_is_help=True, help="The licence product-name table.")
app.add_typer(licenses_app, name="licenses")
manifest_app = typer.Typer(no_args_is_help=True, help="App manifests for the chat platforms.")
app.add_typer(manifest_app, name="manifest")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log.")
app.add_typer(audit_app, name="audit")
sandbox_app = typer.Typer(help="The sandbox Microsoft 365.")
app.add_typer(sandbox_app, name="sandbox")

TenantOption = Annotated[
    str | None, typer.Option("--tenant", "-t", help="Customer tenant, when the command names none.")
]


@sandbox_app.callback(invoke_without_command=True)
def sandbox(
    context: typer.Context,
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1 (0 picks a free one).")] = 0,
    ca_file: Annotated[
        Path | None, typer.Option("--ca-file", help="Write the sandbox's test CA (PEM) here.")
    ] = None,
    latency: Annotated[float, typer.Option(help="Seconds of delay added to every request.")] = 0.0,
) -> None:
    """Run the sandbox Microsoft 365 (Graph, login) alone and print its URLs."""
    if context.invoked_subcommand is not None:
        return
    from sandbox.serve import run_sandbox

    run_sandbox(port=port, ca_file=ca_file, latency=latency)


@sandbox_app.command("reset")
def sandbox_reset() -> None:
    """Put the embedded sandbox's tenants (kept in DESKHAND_HOME) back as they were seeded."""
    from bot.config import load_settings
    from sandbox.serve import reset_sandbox

    print(_exit_on_error(lambda: reset_sandbox(load_settings().home)))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface for the public listener.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port for Slack and Teams requests.")] = 3000,
    metrics_port: Annotated[int, typer.Option(help="Port for /metrics, on 127.0.0.1 only.")] = 9464,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Take Slack events over Socket Mode.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Processes running Slack's commands at low CPU priority; 0 runs them in the "
            "server. Default: one per two cores, none on the embedded sandbox.",
        ),
    ] = None,
) -> None:
    """Run the bot server: Slack (and Teams) requests, /healthz, /readyz and metrics."""
    from bot.process.server import Listener, serve_forever

    listener = Listener(
        host, port, metrics_port=metrics_port, socket_mode=socket_mode, workers=workers
    )
    _exit_on_error(lambda: asyncio.run(serve_forever(listener)))


@app.command()
def console() -> None:
    """Open the interactive console on the configured tenants (the sandbox by default)."""
    from bot.channels.console import run_console

    _exit_on_error(lambda: asyncio.run(run_console()))


@app.command()
def run(
    command: Annotated[str, typer.Argument(help='A command line, e.g. "/user adele".')],
    tenant: TenantOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reply as JSON.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm a destructive command without asking.")
    ] = False,
) -> None:
    """Run one command and exit: 0 on success, 1 with a one-line message on error.

    A destructive command prints its plan and asks for confirmation (or takes --yes); where
    policy wants an approver, it stays pending for one.
    """
    from bot.channels.console import run_command

    raise typer.Exit(
        _exit_on_error(lambda: asyncio.run(run_command(command, tenant, as_json, confirm=yes)))
    )


@app.command()
def permissions(
    as_json: Annotated[bool, typer.Option("--json", help="Print the lists as JSON.")] = False,
) -> None:
    """Print the permissions and directory roles each command needs, and the union to grant."""
    from bot.operator.permissions_report import collect, print_report, report_json
    from commands import REGISTRY

    report = collect(REGISTRY)
    if as_json:
        print(json.dumps(report_json(report), indent=2))
        return
    print_report(report, terminal_console())


@app.command()
def doctor(
    tenant: Annotated[
        str | None, typer.Option("--tenant", "-t", help="Check this tenant only.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checklists as JSON.")] = False,
) -> None:
    """Check each tenant's sign-in, consent, roles, licences and TAP policy; exit 1 if any is
    missing, saying how to fix it."""
    from bot.operator.doctor_run import run_doctor

    raise typer.Exit(_exit_on_error(lambda: asyncio.run(run_doctor(tenant, as_json))))


@licenses_app.command("refresh")
def licenses_refresh(
    csv_file: Annotated[
        Path, typer.Argument(help="Microsoft's 'Product names and service plan identifiers' CSV.")
    ],
) -> None:
    """Replace the SKU → product-name table with a fresh download of Microsoft's list."""
    from bot.config import load_settings
    from integrations.graph.products import refresh_catalog

    def refresh() -> int:
        return refresh_catalog(csv_file, load_settings().home / "products.csv")

    count = _exit_on_error(refresh)
    terminal_console().print(f"Product names updated: {count} products.")


@manifest_app.command("slack")
def manifest_slack(
    url: Annotated[
        str | None,
        typer.Option(help="Public HTTPS origin of `deskhand serve`, e.g. https://bot.example.com"),
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="Events over Socket Mode: no request URLs.")
    ] = False,
) -> None:
    """Print the Slack app manifest (validated against Slack's schema) for these settings."""
    from bot.config import load_settings
    from commands import REGISTRY
    from manifest.slack import render_slack_manifest

    def render() -> str:
        settings = load_settings().slack
        return render_slack_manifest(
            url=url, settings=settings, registry=REGISTRY, socket_mode=socket_mode
        )

    print(_exit_on_error(render))


@manifest_app.command("teams")
def manifest_teams(
    app_id: Annotated[
        str | None, typer.Option("--app-id", help="The bot's Entra app id (MICROSOFT_APP_ID).")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Public HTTPS origin of `deskhand serve`.")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the app package.")] = Path(
        "deskhand-teams.zip"
    ),
    version: Annotated[
        str, typer.Option(help="The package's version (major.minor.patch).")
    ] = "1.0.0",
) -> None:
    """Write the Teams app package (manifest.json and icons), validated against schema 1.29."""
    from bot.config import load_settings
    from commands import REGISTRY
    from manifest.teams import build_teams_package

    def build() -> Path:
        settings = load_settings().teams
        return build_teams_package(
            app_id=app_id, url=url, settings=settings, registry=REGISTRY, out=out, version=version
        )

    terminal_console().print(f"Wrote {_exit_on_error(build)}")


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        list[str] | None,
        typer.Option(
            "--expect-head",
            help="A head kept elsewhere (posted, or printed by `audit head`): it must be in the "
            "chain. Repeatable.",
        ),
    ] = None,
    anchors: Annotated[
        list[Path] | None,
        typer.Option(
            "--anchors", help="An anchor file, one per replica. Default: this replica's own."
        ),
    ] = None,
    keys: Annotated[
        list[Path] | None,
        typer.Option("--keys", help="A key file besides the configured keys (another replica's)."),
    ] = None,
) -> None:
    """Check every row of the audit log against its keyed chain, and that every anchored or
    expected head is still in it; exit 1, saying where, if the log was altered."""
    from bot.audit.chain import describe, verify_configured
    from bot.config import load_settings

    def verify() -> ChainReport:
        return asyncio.run(
            verify_configured(
                load_settings(),
                expect_heads=expect_head or (),
                anchor_files=anchors or (),
                key_files=keys or (),
            )
        )

    report = _exit_on_error(verify)
    if report.intact:
        terminal_console().print(describe(report), highlight=False, soft_wrap=True)
        return
    terminal_console(stderr=True).print(
        f"[bold red]{describe(report)}[/]", highlight=False, soft_wrap=True
    )
    raise typer.Exit(1)


@audit_app.command("head")
def audit_head() -> None:
    """Print the chain head (id, seq, hash, time, rows) as JSON, to keep or post elsewhere."""
    from bot.audit.chain import export_head
    from bot.config import load_settings

    head = _exit_on_error(lambda: asyncio.run(export_head(load_settings().store_url)))
    print(json.dumps(head))


@app.command()
def migrate(
    grant_to: Annotated[
        str | None,
        typer.Option(
            "--grant-to",
            help="PostgreSQL: then give this role (Deskhand's own) its tables' rows, "
            "audit_log to read and append only.",
        ),
    ] = None,
) -> None:
    """Upgrade the store to the newest schema, as the database owner (DESKHAND_MIGRATION_URL,
    else store_url)."""
    from bot.config import load_settings
    from bot.store.roles import migrate_store

    def run_migrations() -> str:
        settings = load_settings()
        return asyncio.run(migrate_store(settings.migration_url or settings.store_url, grant_to))

    revision = _exit_on_error(run_migrations)
    granted = f"; {grant_to} may read and append to audit_log, not change it" if grant_to else ""
    terminal_console().print(f"Store at revision {revision}{granted}.", highlight=False)


def _exit_on_error(work: Callable[[], T]) -> T:
    try:
        return work()
    except DeskhandError as error:
        # One line whatever the terminal's width: scripts and log collectors read it whole.
        terminal_console(stderr=True).print(
            f"[bold red]error:[/] {error.message}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def main() -> None:
    # Commands that do not set up logging themselves keep the library's chatter off stdout.
    from bot.process.logs import configure_logging

    configure_logging(sys.stderr, level=logging.WARNING)
    sys.exit(app())


if __name__ == "__main__":
    main()
