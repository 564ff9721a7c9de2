"""/users: the people console — filter a tenant's users and choose the columns, or export them.

Filters Graph can apply itself (enabled, guests, department) go into `$filter`; the rest
(sign-in age, MFA, licences, source, domain) are applied here, over one listing.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from openpyxl import Workbook
from pydantic import BaseModel, Field, model_validator

from cards.reply import Block, File, Level, Notice, Reply, Table
from cards.tables import printable, table_csv
from commands.context import CommandContext
from commands.formatting import ago, days_since, export_name, iso_time
from commands.registry import command
from commands.roster import Member, read_roster
from core.errors import LicenseRequired
from integrations.graph import all_of, eq
from integrations.graph.products import ProductCatalog

__all__ = ["COLUMNS", "UsersArgs", "users_command"]

SHOWN_ROWS = 100
Column = Literal[
    "name", "upn", "enabled", "type", "source", "department", "title", "created",
    "products", "mfa", "lastactive",
]  # fmt: skip
COLUMNS: tuple[Column, ...] = (
    "name", "upn", "enabled", "type", "source", "department", "title", "created",
    "products", "mfa", "lastactive",
)  # fmt: skip
DEFAULT_COLUMNS: tuple[Column, ...] = ("name", "upn", "enabled", "products", "mfa", "lastactive")
Cell = Callable[[Member, ProductCatalog, datetime], str]


class UsersArgs(BaseModel):
    tenant: str | None = Field(None, description="the customer tenant (see /tenants)")
    mfa: Literal["registered", "unregistered"] | None = Field(
        None, description="only users with, or without, an MFA method registered"
    )
    inactive: int | None = Field(
        None, ge=1, le=3650, description="only users with no sign-in for this many days (or never)"
    )
    licensed: bool = Field(False, description="only users holding a licence")
    unlicensed: bool = Field(False, description="only users holding no licence")
    enabled: bool = Field(False, description="only users who can sign in")
    disabled: bool = Field(False, description="only users whose sign-in is blocked")
    synced: bool = Field(False, description="only users synced from on-premises AD")
    cloud: bool = Field(False, description="only cloud-only users")
    department: str | None = Field(None, max_length=64, description="only this department")
    domain: str | None = Field(None, max_length=253, description="only UPNs in this domain")
    guests: bool = Field(False, description="guest accounts instead of members")
    columns: list[Column] = Field(
        list(DEFAULT_COLUMNS), description=f"columns to show: {', '.join(COLUMNS)}"
    )
    export: Literal["csv", "xlsx"] | None = Field(None, description="attach every row as a file")

    @model_validator(mode="after")
    def _no_contradictions(self) -> UsersArgs:
        for one, other in (
            ("licensed", "unlicensed"),
            ("enabled", "disabled"),
            ("synced", "cloud"),
        ):
            if getattr(self, one) and getattr(self, other):
                raise ValueError(f"--{one} and --{other} cannot be used together")
        return self


_CELLS: dict[Column, Cell] = {
    "name": lambda m, c, n: m.user.display_name,
    "upn": lambda m, c, n: m.user.upn,
    "enabled": lambda m, c, n: "yes" if m.user.enabled else "blocked",
    "type": lambda m, c, n: "guest" if m.user.guest else "member",
    "source": lambda m, c, n: "on-premises" if m.user.synced else "cloud",
    "department": lambda m, c, n: m.user.department,
    "title": lambda m, c, n: m.user.job_title,
    "created": lambda m, c, n: f"{m.user.created:%Y-%m-%d}" if m.user.created else "",
    "products": lambda m, c, n: ", ".join(c.name(sku, "") for sku in m.user.sku_ids),
    "mfa": lambda m, c, n: {True: "registered", False: "none", None: "unknown"}[m.mfa_registered],
    "lastactive": lambda m, c, n: _last_active(m, n),
}
_EXPORTED_CELLS: dict[Column, Cell] = {
    **_CELLS,
    # A file is read later and elsewhere: exact UTC times, never "4 months ago".
    "created": lambda m, c, n: iso_time(m.user.created),
    "lastactive": lambda m, c, n: _last_active_time(m),
}


@command(
    "users",
    args=UsersArgs,
    permissions=(
        "User.Read.All",
        "AuditLog.Read.All",
        "UserAuthenticationMethod.Read.All",
    ),
)
async def users_command(ctx: CommandContext, args: UsersArgs) -> Reply:
    """List a tenant's users with filters and chosen columns; --export csv|xlsx for a file."""
    needs_sign_ins = args.inactive is not None or "lastactive" in args.columns
    roster = await read_roster(
        ctx.graph,
        server_filter=_server_filter(args),
        sign_ins=needs_sign_ins,
        mfa=args.mfa is not None or "mfa" in args.columns,
        progress=ctx.progress,
    )
    if args.inactive is not None and roster.sign_ins_problem:
        tenant = ctx.tenant.name if ctx.tenant else "this tenant"
        raise LicenseRequired(
            f"--inactive needs sign-in activity, which {tenant} cannot report: it "
            "lacks Microsoft Entra ID P1. Try /users --disabled or --unlicensed instead."
        )
    members = [m for m in roster.members if _keep(m, args, ctx.now)]
    header = tuple(args.columns)
    rows = tuple(
        tuple(_CELLS[column](m, ctx.products, ctx.now) for column in header) for m in members
    )
    blocks: list[Block] = [Table(header, rows[:SHOWN_ROWS], total=len(rows))]
    if roster.sign_ins_problem and needs_sign_ins:
        blocks.append(Notice(Level.INFO, f"Last active: {roster.sign_ins_problem}."))
    if len(rows) > SHOWN_ROWS and args.export is None:
        blocks.append(Notice(Level.INFO, "Add --export xlsx (or csv) to get every row."))
    files: tuple[File, ...] = ()
    if args.export:
        cells = tuple(
            tuple(_EXPORTED_CELLS[column](m, ctx.products, ctx.now) for column in header)
            for m in members
        )
        name = export_name(ctx.current_tenant.name, "users", ctx.now, args.export)
        files = (await asyncio.to_thread(_export, args.export, name, header, cells),)
    return Reply(
        title=f"{len(rows)} user{'' if len(rows) == 1 else 's'}", blocks=tuple(blocks), files=files
    )


def _server_filter(args: UsersArgs) -> str:
    clauses = [eq("userType", "Guest" if args.guests else "Member")]
    if args.enabled or args.disabled:
        clauses.append(eq("accountEnabled", args.enabled))
    if args.department:
        clauses.append(eq("department", args.department))
    return str(all_of(*clauses))


def _keep(member: Member, args: UsersArgs, now: datetime) -> bool:
    user = member.user
    checks = (
        not args.licensed or user.licensed,
        not args.unlicensed or not user.licensed,
        not args.synced or user.synced,
        not args.cloud or not user.synced,
        not args.domain or user.upn.lower().endswith("@" + args.domain.lower().lstrip("@")),
        args.mfa is None or member.mfa_registered is (args.mfa == "registered"),
        args.inactive is None or _idle_days(member, now) >= args.inactive,
    )
    return all(checks)


def _idle_days(member: Member, now: datetime) -> float:
    last = member.sign_ins.last_activity if member.sign_ins else None
    return float("inf") if last is None else days_since(last, now)


def _last_active(member: Member, now: datetime) -> str:
    if member.sign_ins is None:
        return "unknown"
    return ago(member.sign_ins.last_activity, now)


def _last_active_time(member: Member) -> str:
    if member.sign_ins is None:
        return "unknown"
    return iso_time(member.sign_ins.last_activity) or "never"


def _export(
    kind: str, name: str, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]
) -> File:
    if kind == "csv":
        return table_csv(Table(header, rows), name)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Users"
    sheet.append(header)
    for row in rows:
        sheet.append(tuple(map(printable, row)))
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # a name like "=HYPERLINK(…)" stays text, never a formula
    sheet.auto_filter.ref = sheet.dimensions
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return File(name, media, output.getvalue())
