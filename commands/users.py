"""/users: the people console — filter a tenant's users and choose the columns, or export them.

Filters Graph can apply itself (enabled, guests, department) go into `$filter`; the rest
(sign-in age, MFA, licences, source, domain) are applied here, over one listing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from cards.exports import table_file
from cards.reply import Block, File, Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.formatting import ago, days_since, export_name, iso_time
from commands.kit.registry import command
from commands.queries.roster import LISTED_FIELDS, Member, Roster, Unreadable, read_roster
from commands.queries.roster_extras import RoleHolders, read_mfa_states, read_roles
from core.errors import LicenseRequired
from integrations.graph import all_of, eq
from integrations.graph.products import ProductCatalog

__all__ = ["COLUMNS", "EXPORTED_COLUMNS", "UsersArgs", "users_command"]

SHOWN_ROWS = 100
Column = Literal[
    "name", "upn", "enabled", "type", "source", "department", "title", "created",
    "products", "mfa", "lastactive", "methods", "mfastate", "roles", "lastsync",
]  # fmt: skip
COLUMNS: tuple[Column, ...] = (
    "name", "upn", "enabled", "type", "source", "department", "title", "created",
    "products", "mfa", "lastactive", "methods", "mfastate", "roles", "lastsync",
)  # fmt: skip
DEFAULT_COLUMNS: tuple[Column, ...] = ("name", "upn", "enabled", "products", "mfa", "lastactive")
EXPORTED_COLUMNS: tuple[Column, ...] = ("methods", "mfastate", "roles", "lastsync")
"""Always in an export file, after the columns asked for: what a review of accounts needs."""


@dataclass(frozen=True)
class Row:
    """One listed user with what was read beside the listing; None where it was not read."""

    member: Member
    mfa_state: str | Unreadable | None
    roles: tuple[str, ...] | Unreadable | None


Cell = Callable[[Row, ProductCatalog, datetime], str]


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
    export: Literal["csv", "xlsx"] | None = Field(
        None, description="attach every row as a file, with methods, mfastate, roles, lastsync"
    )

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


def _shown(value: str | tuple[str, ...] | Unreadable | None, empty: str = "none") -> str:
    """A read value as a cell: names joined, the reason it is missing, or "not read"."""
    if isinstance(value, Unreadable):
        return value.why
    if value is None:
        return "not read"
    if isinstance(value, tuple):
        return ", ".join(value) or empty
    return value or empty


_CELLS: dict[Column, Cell] = {
    "name": lambda r, c, n: r.member.user.display_name,
    "upn": lambda r, c, n: r.member.user.upn,
    "enabled": lambda r, c, n: "yes" if r.member.user.enabled else "blocked",
    "type": lambda r, c, n: "guest" if r.member.user.guest else "member",
    "source": lambda r, c, n: "on-premises" if r.member.user.synced else "cloud",
    "department": lambda r, c, n: r.member.user.department,
    "title": lambda r, c, n: r.member.user.job_title,
    "created": lambda r, c, n: f"{r.member.user.created:%Y-%m-%d}" if r.member.user.created else "",
    "products": lambda r, c, n: ", ".join(c.name(sku, "") for sku in r.member.user.sku_ids),
    "mfa": lambda r, c, n: _mfa(r.member),
    "lastactive": lambda r, c, n: _last_active(r.member, n),
    "methods": lambda r, c, n: _shown(r.member.methods),
    "mfastate": lambda r, c, n: _shown(r.mfa_state, "unknown"),
    "roles": lambda r, c, n: _shown(r.roles),
    "lastsync": lambda r, c, n: _last_sync(r.member, lambda moment: ago(moment, n)),
}
_EXPORTED_CELLS: dict[Column, Cell] = {
    **_CELLS,
    # A file is read later and elsewhere: exact UTC times, never "4 months ago".
    "created": lambda r, c, n: iso_time(r.member.user.created),
    "lastactive": lambda r, c, n: _last_active_time(r.member),
    "lastsync": lambda r, c, n: _last_sync(r.member, lambda moment: iso_time(moment) or "never"),
}


@command(
    "users",
    args=UsersArgs,
    permissions=(
        "User.Read.All",
        "AuditLog.Read.All",
        "UserAuthenticationMethod.Read.All",
        "Policy.Read.All",
        "RoleManagement.Read.Directory",
        "GroupMember.Read.All",
    ),
)
async def users_command(ctx: CommandContext, args: UsersArgs) -> Reply:
    """List a tenant's users with filters and chosen columns; --export csv|xlsx for a file.

    Per-user MFA state (mfastate) and directory roles (roles) are read only when their column
    is asked for or a file is exported; a column the app may not read says what it needs.
    """
    header = tuple(args.columns)
    wanted = set(header) | (set(EXPORTED_COLUMNS) if args.export else set())
    listing = await _read(ctx, args, wanted)
    roster, rows = listing.roster, listing.rows
    table_rows = tuple(
        tuple(_CELLS[column](row, ctx.products, ctx.now) for column in header) for row in rows
    )
    blocks: list[Block] = [Table(header, table_rows[:SHOWN_ROWS], total=len(table_rows))]
    if roster.sign_ins_problem and "lastactive" in wanted:
        blocks.append(Notice(Level.INFO, f"Last active: {roster.sign_ins_problem}."))
    if isinstance(listing.roles, RoleHolders) and listing.roles.groups_problem:
        blocks.append(
            Notice(
                Level.WARNING,
                "Roles: those held through role-assignable groups are missing "
                f"({listing.roles.groups_problem}).",
            )
        )
    if args.mfa is not None and (why := _unreadable_methods(roster)):
        blocks.append(
            Notice(Level.WARNING, f"--mfa left out users whose methods could not be read ({why}).")
        )
    if len(rows) > SHOWN_ROWS and args.export is None:
        blocks.append(Notice(Level.INFO, "Add --export xlsx (or csv) to get every row."))
    files: tuple[File, ...] = ()
    if args.export:
        exported = (*header, *(c for c in EXPORTED_COLUMNS if c not in header))
        cells = tuple(
            tuple(_EXPORTED_CELLS[column](row, ctx.products, ctx.now) for column in exported)
            for row in rows
        )
        name = export_name(ctx.current_tenant.name, "users", ctx.now, args.export)
        table = Table(exported, cells)
        files = (await asyncio.to_thread(table_file, table, name, args.export, sheet="Users"),)
    return Reply(
        title=f"{len(rows)} user{'' if len(rows) == 1 else 's'}",
        blocks=tuple(blocks),
        files=files,
        data=[_user_data(row, ctx.products, roster.sign_ins_problem) for row in rows],
    )


@dataclass(frozen=True)
class _Listing:
    roster: Roster
    rows: list[Row]
    roles: RoleHolders | Unreadable | None


async def _read(ctx: CommandContext, args: UsersArgs, wanted: set[Column]) -> _Listing:
    """The listing, filtered, with MFA states and roles when a column wants them. Roles are one
    tenant-wide read, sent alongside the listing; MFA states only for the users kept."""
    roles = asyncio.create_task(read_roles(ctx.graph)) if "roles" in wanted else None
    try:
        roster = await read_roster(
            ctx.graph,
            server_filter=_server_filter(args),
            sign_ins=args.inactive is not None or "lastactive" in wanted,
            mfa=args.mfa is not None or not {"mfa", "methods"}.isdisjoint(wanted),
            progress=ctx.progress,
        )
        if args.inactive is not None and roster.sign_ins_problem:
            tenant = ctx.tenant.name if ctx.tenant else "this tenant"
            raise LicenseRequired(
                f"--inactive needs sign-in activity, which {tenant} cannot report: it "
                "lacks Microsoft Entra ID P1. Try /users --disabled or --unlicensed instead."
            )
        members = [m for m in roster.members if _keep(m, args, ctx.now)]
        states: Mapping[str, str | Unreadable] = {}
        if "mfastate" in wanted:
            ids = [m.user.id for m in members]
            states = await read_mfa_states(ctx.graph, ids, ctx.progress)
        held = await roles if roles is not None else None
    finally:
        if roles is not None and not roles.done():
            roles.cancel()
    rows = [Row(m, states.get(m.user.id), _roles_of(held, m.user.id)) for m in members]
    return _Listing(roster, rows, held)


def _roles_of(
    held: RoleHolders | Unreadable | None, user_id: str
) -> tuple[str, ...] | Unreadable | None:
    if held is None or isinstance(held, Unreadable):
        return held
    return held.by_principal.get(user_id, ())


def _user_data(row: Row, catalog: ProductCatalog, sign_ins_problem: str) -> dict[str, Any]:
    """One user for scripts, under Graph's property names and types, as /user gives it: what
    could not be read is null, and `unavailable` says why."""
    member = row.member
    graph = member.graph
    methods, state, roles = member.methods, row.mfa_state, row.roles
    values: dict[str, Any] = {
        **{name: graph.get(name) for name in LISTED_FIELDS},
        "signInActivity": graph.get("signInActivity") if member.sign_ins is not None else None,
        "licenseNames": [catalog.name(sku, "") for sku in member.user.sku_ids],
        "isMfaRegistered": member.mfa_registered,
        "methodsRegistered": list(methods) if isinstance(methods, tuple) else None,
        "perUserMfaState": state if isinstance(state, str) else None,
        "directoryRoles": list(roles) if isinstance(roles, tuple) else None,
    }
    missing = {
        "signInActivity": "" if member.sign_ins else sign_ins_problem or _not_read("lastactive"),
        "isMfaRegistered": _why(methods, "methods"),
        "methodsRegistered": _why(methods, "methods"),
        "perUserMfaState": _why(state, "mfastate"),
        "directoryRoles": _why(roles, "roles"),
    }
    values["unavailable"] = {
        name: why for name, why in missing.items() if values[name] is None and why
    }
    return values


def _why(value: object, column: str) -> str:
    if isinstance(value, Unreadable):
        return value.why
    return _not_read(column) if value is None else ""


def _not_read(column: str) -> str:
    return f"not read: add --columns {column} or --export"


def _unreadable_methods(roster: Roster) -> str:
    """Why some users' methods could not be read ("needs …"), or empty."""
    reasons = {m.methods.why for m in roster.members if isinstance(m.methods, Unreadable)}
    return ", ".join(sorted(reasons))


def _mfa(member: Member) -> str:
    if member.mfa_registered is None and isinstance(member.methods, Unreadable):
        return member.methods.why
    return {True: "registered", False: "none", None: "unknown"}[member.mfa_registered]


def _last_sync(member: Member, moment: Callable[[datetime], str]) -> str:
    """When AD last synced the user (also one no longer synced); a cloud user never was."""
    if member.user.last_sync is not None:
        return moment(member.user.last_sync)
    return "never" if member.user.synced else "cloud-only"


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
