"""/digest mfa, /digest inactive and /digest licenses: a tenant's digest for managers, with the
change since the last one and a trend chart; `--all` ranks every tenant the person sees.

The reads are `commands/queries/digests.py` (one streamed read per tenant). Every run records
the day's snapshot of each tenant it read (`TrendBook`, through `remember`, which the server's
daily snapshots in `bot.schedules.snapshots` use too) and compares with the latest one from an
earlier day. Permissions (permissions-reference.md): users with signInActivity need
User.Read.All and AuditLog.Read.All (user-list.md); the registration report AuditLog.Read.All
(authenticationmethodsroot-list-userregistrationdetails.md); security defaults and Conditional
Access Policy.Read.All (identitysecuritydefaultsenforcementpolicy-get.md,
conditionalaccessroot-list-policies.md); per-user MFA state UserAuthenticationMethod.Read.All
(beta authentication-get.md); subscribedSkus Organization.Read.All (subscribedsku-list.md);
directory/subscriptions Organization.Read.All (directory-list-subscriptions.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, model_validator

from cards.charts import trend_chart
from cards.exports import ExportKind, table_file
from cards.reply import Block, Facts, File, Heading, Level, Notice, Reply, Table, Text
from commands.digest_views import ViewTable, kind_view
from commands.kit.context import CommandContext, silent_progress
from commands.kit.digests import DigestDefaults
from commands.kit.formatting import counted, export_name, first_few
from commands.kit.registry import command
from commands.kit.services import Snapshot, TrendBook
from commands.queries.digests import DigestKind, DigestOptions, TenantDigest, read_tenant_digest
from core.errors import DeskhandError, UserError
from core.identity import TenantInfo

__all__ = [
    "SHOWN_ROWS",
    "Change",
    "DigestArgs",
    "digest_inactive",
    "digest_licenses",
    "digest_mfa",
    "digest_options",
    "remember",
]

SHOWN_ROWS = 50
"""Rows of a per-person table shown in the message; every row goes in the attached file."""
AT_ONCE = 4
"""Tenants read at the same time by `--all`; each Graph client bounds its own requests."""
TREND_DAYS = 180

_PERMISSIONS = {
    DigestKind.MFA: (
        "User.Read.All",
        "AuditLog.Read.All",
        "Policy.Read.All",
        "UserAuthenticationMethod.Read.All",
        "GroupMember.Read.All",
        "RoleManagement.Read.Directory",
    ),
    DigestKind.INACTIVE: ("User.Read.All", "AuditLog.Read.All", "Organization.Read.All"),
    DigestKind.LICENSES: ("User.Read.All", "AuditLog.Read.All", "Organization.Read.All"),
}


class DigestArgs(BaseModel):
    tenant: str | None = Field(None, description="the customer tenant (see /tenants)")
    all: bool = Field(False, description="every tenant you see, ranked (for reviews)")
    days: int | None = Field(
        None, ge=1, le=3650, description="inactive after this many days (default 90)"
    )
    guests: bool = Field(False, description="include guest accounts (MFA)")
    export: ExportKind | None = Field(None, description="attach every row as csv or xlsx")

    @model_validator(mode="after")
    def _one_scope(self) -> DigestArgs:
        if self.all and self.tenant:
            raise ValueError("--all and --tenant cannot be used together")
        return self


@command("digest mfa", args=DigestArgs, permissions=_PERMISSIONS[DigestKind.MFA])
async def digest_mfa(ctx: CommandContext, args: DigestArgs) -> Reply:
    """MFA coverage: who has no MFA, and who is registered but not made to use it (or the
    reverse) by security defaults or Conditional Access. --guests includes guests."""
    return await _digest(ctx, args, DigestKind.MFA)


@command("digest inactive", args=DigestArgs, permissions=_PERMISSIONS[DigestKind.INACTIVE])
async def digest_inactive(ctx: CommandContext, args: DigestArgs) -> Reply:
    """Accounts with no successful sign-in for --days (default 90) or never, and what the
    licences they still hold cost."""
    return await _digest(ctx, args, DigestKind.INACTIVE)


@command(
    "digest licenses",
    args=DigestArgs,
    aliases=("digest licences",),
    permissions=_PERMISSIONS[DigestKind.LICENSES],
)
async def digest_licenses(ctx: CommandContext, args: DigestArgs) -> Reply:
    """Seats purchased, assigned and free per product, seats held by disabled or inactive
    accounts and what they cost, and subscriptions that end soon."""
    return await _digest(ctx, args, DigestKind.LICENSES)


async def _digest(ctx: CommandContext, args: DigestArgs, kind: DigestKind) -> Reply:
    options = digest_options(ctx.digests, days=args.days, guests=args.guests)
    if args.all:
        return await _every_tenant(ctx, args, kind, options)
    return await _one_tenant(ctx, args, kind, options)


def digest_options(
    defaults: DigestDefaults, *, days: int | None = None, guests: bool = False
) -> DigestOptions:
    """The read's options: what the command typed over `[digests]`."""
    return DigestOptions(
        inactive_days=days or defaults.inactive_days,
        guests=guests or defaults.guests,
        expiring_days=defaults.expiring_days,
        prices=dict(defaults.prices),
        currency=defaults.currency,
    )


# --- one tenant ------------------------------------------------------------------------------


async def _one_tenant(
    ctx: CommandContext, args: DigestArgs, kind: DigestKind, options: DigestOptions
) -> Reply:
    tenant = ctx.current_tenant
    digest = await read_tenant_digest(
        ctx.graph,
        frozenset({kind}),
        options,
        now=ctx.now,
        progress=ctx.progress,
        exchange=ctx.exchange_client,
        names=ctx.products.name,
    )
    view = kind_view(kind, digest, ctx.now)
    change = await remember(ctx.trends, tenant.name, kind, digest, ctx.now)
    history = await _history(ctx.trends, tenant, kind, digest, ctx)
    blocks: list[Block] = [Facts(view.facts), *_change_blocks(change, view.flag_words)]
    files: list[File] = []
    for table in view.tables:
        shown, attached = await _table(table, args.export, tenant, kind, ctx)
        blocks.append(shown)
        files.extend(attached)
    blocks.extend(Notice(Level.INFO, line) for line in view.notes)
    blocks.extend(Notice(Level.WARNING, line) for line in digest.unknown)
    chart = await asyncio.to_thread(
        trend_chart,
        [(day, value) for day, value in history],
        title=f"{view.chart_title}: {tenant.display_name}",
        label=view.chart_label,
    )
    files.append(File(f"{kind.value}-{tenant.name}.png", "image/png", chart))
    data = {
        "tenant": tenant.name,
        "kind": kind.value,
        "metrics": digest.metrics(),
        "change": change.data(),
        "rows": view.rows,
    }
    return Reply(
        title=f"{view.title}: {tenant.display_name}",
        blocks=tuple(blocks),
        files=tuple(files),
        data=data,
    )


async def _table(
    table: ViewTable,
    export: ExportKind | None,
    tenant: TenantInfo,
    kind: DigestKind,
    ctx: CommandContext,
) -> tuple[Table, list[File]]:
    """The first `SHOWN_ROWS` rows in the message; every row in a file when there are more, or
    when --export asks for one."""
    full = Table(table.columns, table.rows, title=table.title)
    shown = Table(table.columns, table.rows[:SHOWN_ROWS], title=table.title, total=len(table.rows))
    if export is None and len(table.rows) <= SHOWN_ROWS:
        return shown, []
    what = f"{kind.value}-{table.slug}"
    name = export_name(tenant.name, what, ctx.now, export or "csv")
    file = await asyncio.to_thread(table_file, full, name, export or "csv", sheet=table.title[:31])
    return shown, [file]


# --- the change since the last snapshot ------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What moved since the latest snapshot of an earlier day; `since` None: there was none."""

    since: date | None
    metrics: Mapping[str, float]
    """Each figure now minus then."""
    added: Mapping[str, tuple[str, ...]]
    removed: Mapping[str, tuple[str, ...]]

    def data(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "metrics": dict(self.metrics),
            "added": {key: list(upns) for key, upns in self.added.items()},
            "removed": {key: list(upns) for key, upns in self.removed.items()},
        }


NO_CHANGE = Change(None, {}, {}, {})
"""Nothing earlier to compare with."""


def compare(now: Snapshot, before: Snapshot | None) -> Change:
    """The change from `before` to `now`: figures as differences, people as who came and went."""
    if before is None:
        return NO_CHANGE
    metrics = {
        key: round(value - before.metrics[key], 2)
        for key, value in now.metrics.items()
        if key in before.metrics
    }
    added, removed = {}, {}
    for key, upns in now.flagged.items():
        then = set(before.flagged.get(key, ()))
        added[key] = tuple(sorted(set(upns) - then))
        removed[key] = tuple(sorted(then - set(upns)))
    return Change(before.day, metrics, added, removed)


def _change_blocks(change: Change, words: Mapping[str, tuple[str, str]]) -> list[Block]:
    """ "+3 users without MFA: a, b, c" and "-1 …" lines, or what there is to compare with."""
    if change.since is None:
        return [Text("First digest of this kind for this tenant: the next one shows the change.")]
    lines = []
    for key, (singular, plural) in words.items():
        for sign, upns in (("+", change.added.get(key, ())), ("-", change.removed.get(key, ()))):
            if upns:
                noun = singular if len(upns) == 1 else plural
                lines.append(f"{sign}{len(upns)} {noun}: {first_few(upns)}")
    heading = Heading(f"Since {change.since:%d %b %Y}")
    return [heading, Text("\n".join(lines) if lines else "No change.")]


async def remember(
    trends: TrendBook | None,
    tenant_name: str,
    kind: DigestKind,
    digest: TenantDigest,
    now: datetime,
) -> Change:
    """Records the day's snapshot of `kind` (the other kinds a digest holds left out) and
    compares it with the latest one before that day: for /digest and the daily snapshots."""
    one = digest.only(kind)
    today = Snapshot(tenant_name, kind.value, now.date(), one.metrics(), one.flagged(), now)
    if trends is None:
        return compare(today, None)
    before = await trends.previous(tenant_name, kind.value, today.day)
    await trends.record(today)
    return compare(today, before)


async def _history(
    trends: TrendBook | None,
    tenant: TenantInfo,
    kind: DigestKind,
    digest: TenantDigest,
    ctx: CommandContext,
) -> list[tuple[date, float]]:
    """The chart's points: the kind's main figure per day, today's included."""
    metric = _MAIN_METRIC[kind]
    today = ctx.now.date()
    since = today - timedelta(days=TREND_DAYS)
    snapshots = await trends.history(tenant.name, kind.value, since) if trends else []
    points = {s.day: s.metrics[metric] for s in snapshots if metric in s.metrics}
    points[today] = digest.metrics().get(metric, 0.0)
    return sorted(points.items())


_MAIN_METRIC = {
    DigestKind.MFA: "mfa_coverage_pct",
    DigestKind.INACTIVE: "inactive",
    DigestKind.LICENSES: "wasted_seats",
}


# --- every tenant ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    tenant: TenantInfo
    digest: TenantDigest | None
    change: Change
    error: str = ""


async def _every_tenant(
    ctx: CommandContext, args: DigestArgs, kind: DigestKind, options: DigestOptions
) -> Reply:
    clients = ctx.tenant_clients
    if clients is None or not ctx.tenants:
        raise UserError("There is no tenant to read: you hold a role in none (see /tenants).")
    gate = asyncio.Semaphore(AT_ONCE)
    ctx.progress.start(f"Reading {counted(len(ctx.tenants), 'tenant')}", len(ctx.tenants))

    async def read(tenant: TenantInfo) -> _Read:
        async with gate:
            try:
                digest = await read_tenant_digest(
                    clients.graph(tenant),
                    frozenset({kind}),
                    options,
                    now=ctx.now,
                    progress=silent_progress,
                    exchange=clients.exchange(tenant),
                    names=ctx.products.name,
                )
                change = await remember(ctx.trends, tenant.name, kind, digest, ctx.now)
            except DeskhandError as error:
                # One customer's failure is its row's, never the whole answer's.
                return _Read(tenant, None, NO_CHANGE, error.message)
            finally:
                ctx.progress.advance()
        return _Read(tenant, digest, change)

    reads = await asyncio.gather(*(read(tenant) for tenant in ctx.tenants))
    ctx.progress.finish()
    ranked = sorted(reads, key=lambda r: _rank(kind, r))
    view = _RANKING[kind]
    rows = tuple((r.tenant.display_name, *_ranked_cells(view, r, options)) for r in ranked)
    blocks: list[Block] = [Table(("tenant", *(c for c, _ in view), "change", "note"), rows)]
    failed = [r for r in reads if r.digest is None]
    if failed:
        blocks.append(
            Notice(
                Level.WARNING,
                f"{counted(len(failed), 'tenant')} could not be read: "
                f"{', '.join(r.tenant.name for r in failed)}.",
            )
        )
    data = {
        "kind": kind.value,
        "tenants": [
            {
                "tenant": r.tenant.name,
                "metrics": r.digest.metrics() if r.digest else None,
                "change": r.change.data(),
                "unknown": list(r.digest.unknown) if r.digest else [],
                "error": r.error or None,
            }
            for r in ranked
        ],
    }
    title = f"{_TITLES[kind]}: {counted(len(reads), 'tenant')}"
    return Reply(title=title, blocks=tuple(blocks), data=data)


_TITLES = {
    DigestKind.MFA: "MFA coverage",
    DigestKind.INACTIVE: "Inactive accounts",
    DigestKind.LICENSES: "Licence waste",
}

_RANKING: dict[DigestKind, tuple[tuple[str, str], ...]] = {
    DigestKind.MFA: (
        ("MFA coverage", "mfa_coverage_pct"),
        ("without MFA", "without_mfa"),
    ),
    DigestKind.INACTIVE: (("inactive", "inactive"),),
    DigestKind.LICENSES: (
        ("wasted seats", "wasted_seats"),
        ("waste per month", "waste_cost"),
    ),
}


def _rank(kind: DigestKind, read: _Read) -> tuple[int, float, float, str]:
    """MFA coverage lowest first; inactive accounts and licence waste highest first; tenants
    that could not be read last."""
    if read.digest is None:
        return (1, 0.0, 0.0, read.tenant.name)
    metrics = read.digest.metrics()
    name = read.tenant.name
    if kind is DigestKind.MFA:
        return (0, metrics.get("mfa_coverage_pct", 0.0), -metrics.get("without_mfa", 0.0), name)
    if kind is DigestKind.LICENSES:
        return (0, -metrics.get("waste_cost", 0.0), -metrics.get("wasted_seats", 0.0), name)
    return (0, -metrics.get("inactive", 0.0), 0.0, name)


def _ranked_cells(
    view: Sequence[tuple[str, str]], read: _Read, options: DigestOptions
) -> tuple[str, ...]:
    if read.digest is None:
        return (*("-" for _ in view), "", f"could not be read: {read.error}")
    metrics = read.digest.metrics()
    cells = tuple(_figure(key, metrics.get(key), options) for _, key in view)
    main = view[0][1]
    delta = read.change.metrics.get(main)
    moved = "first" if read.change.since is None else _signed(delta or 0.0)
    note = "; ".join(read.digest.unknown)
    return (*cells, moved, note)


def _figure(key: str, value: float | None, options: DigestOptions) -> str:
    if value is None:
        return "-"
    if key.endswith("_pct"):
        return f"{value:g} %"
    if key.endswith("_cost"):
        return f"{value:,.2f} {options.currency}"
    return f"{value:g}"


def _signed(value: float) -> str:
    return "0" if value == 0 else f"+{value:g}" if value > 0 else f"-{-value:g}"
