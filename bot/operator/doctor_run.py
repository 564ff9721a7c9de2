"""The `deskhand doctor` run: open the configured tenants, check each, print the checklists."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from bot.config import load_settings
from bot.operator.doctor import check_tenant
from bot.operator.doctor_checklist import Status, TenantReport
from bot.operator.permissions_report import collect
from bot.operator.terminal import print_table, terminal_console
from bot.process.runtime import Runtime, open_runtime
from commands import REGISTRY
from core.errors import ConfigurationError
from core.identity import TenantInfo

__all__ = ["doctor_reports", "print_reports", "run_doctor"]

_STYLE = {
    Status.OK: "[green]ok[/]",
    Status.MISSING: "[bold red]missing[/]",
    Status.UNCHECKED: "[magenta]unchecked[/]",
    Status.NOTE: "[yellow]note[/]",
}


async def doctor_reports(runtime: Runtime, tenant: str | None = None) -> list[TenantReport]:
    """Every tenant's checklist (or the one named), checked at once."""
    directory = runtime.router.tenants
    wanted: Sequence[TenantInfo] = (
        [directory.resolve(tenant, among=directory.tenants)] if tenant else directory.tenants
    )
    report = collect(REGISTRY)
    has_tap = REGISTRY.get("tap") is not None

    async def one(info: TenantInfo) -> TenantReport:
        client = directory.client(info)
        if client is None:
            raise ConfigurationError(f"Tenant {info.name} has no Graph client.")
        # The Exchange client signs in to the configured Exchange host (`exchange_host`).
        exchange = directory.exchange(info)
        tokens = exchange.tokens if exchange else None
        return await check_tenant(info, client, report, exchange=tokens, has_tap=has_tap)

    return list(await asyncio.gather(*(one(info) for info in wanted)))


def print_reports(reports: Sequence[TenantReport], console: Console) -> None:
    for report in reports:
        info = report.tenant
        table = Table(title=f"{info.display_name} ({info.name}, {info.tenant_id})", show_lines=True)
        for column in ("check", "status", "what was found", "how to fix"):
            table.add_column(column, overflow="fold")
        for check in report.checks:
            table.add_row(check.area, _STYLE[check.status], check.detail, check.fix or "-")
        print_table(console, table)
        verdict = (
            "[green]Ready.[/]" if report.healthy else "[bold red]Needs attention (see above).[/]"
        )
        console.print(f"{info.name}: {verdict}")


async def run_doctor(tenant: str | None, as_json: bool, console: Console | None = None) -> int:
    """Exit code 0 when every checked tenant is ready, 1 when anything is missing."""
    settings = load_settings()
    async with open_runtime(settings) as runtime:
        reports = await doctor_reports(runtime, tenant)
    out = console or terminal_console()
    if as_json:
        print(json.dumps([r.to_json() for r in reports], indent=2))
    else:
        print_reports(reports, out)
    return 0 if all(r.healthy for r in reports) else 1
