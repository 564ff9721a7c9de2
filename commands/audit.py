"""/audit: what was run on a tenant, by whom, on whom, and how it ended; newest first."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Protocol

from pydantic import BaseModel, BeforeValidator, Field

from cards.reply import Block, Level, Notice, Reply, Table
from commands.kit.context import TenantInfo
from commands.kit.formatting import iso_time
from commands.kit.registry import Role, command
from commands.kit.services import AuditReader, AuditRow

__all__ = ["AuditArgs", "AuditContext", "audit_command"]

_RELATIVE = re.compile(r"(\d{1,4})([dh])")
_UNITS = {"d": "days", "h": "hours"}


def _parse_since(value: object) -> object:
    """ "7d" and "12h" become spans back from now, "2026-11-01" a day; nothing else is taken."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if match := _RELATIVE.fullmatch(text):
        return timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("use 7d, 12h or a date such as 2026-11-01") from None


Since = Annotated[timedelta | date, BeforeValidator(_parse_since)]


class AuditArgs(BaseModel):
    tenant: str | None = Field(None, description="the customer tenant (see /tenants)")
    user: str | None = Field(None, description="only entries about this user (their UPN)")
    by: str | None = Field(None, description="only entries by this technician (their id)")
    since: Since | None = Field(None, description="7d, 12h or a date such as 2026-11-01")
    limit: int = Field(20, ge=1, le=200, description="how many entries, 20 unless given")


class AuditContext(Protocol):
    """The part of the command context /audit uses."""

    @property
    def current_tenant(self) -> TenantInfo: ...
    @property
    def now(self) -> datetime: ...
    @property
    def audit(self) -> AuditReader: ...


@command("audit", args=AuditArgs, roles=frozenset({Role.ADMIN, Role.APPROVER}))
async def audit_command(ctx: AuditContext, args: AuditArgs) -> Reply:
    """Show the audit log of a tenant: who ran what, on whom, and how it ended.

    Newest first; narrow it with --user (the user acted on), --by (the technician) and
    --since (7d, 12h or a date).
    """
    tenant = ctx.current_tenant
    rows = await ctx.audit.recent(
        tenant=tenant.name,
        actor=args.by,
        target=args.user,
        since=_start(args.since, ctx.now),
        limit=args.limit,
    )
    blocks: list[Block] = []
    if rows:
        blocks.append(
            Table(
                ("time", "actor", "command", "target", "outcome", "reason", "approved by"),
                tuple(_cells(row) for row in rows),
            )
        )
    else:
        blocks.append(Notice(Level.INFO, "No audit entries match."))
    data = [
        {
            "at": iso_time(row.at),
            "actor": row.actor,
            "command": row.command,
            "target": row.target,
            "outcome": row.outcome,
            "reason": row.reason,
            "approvedBy": row.approval,
            "tenant": row.tenant,
        }
        for row in rows
    ]
    return Reply(title=f"Audit log of {tenant.display_name}", blocks=tuple(blocks), data=data)


def _start(since: timedelta | date | None, now: datetime) -> datetime | None:
    if isinstance(since, timedelta):
        return now - since
    if isinstance(since, date):
        return datetime.combine(since, time(), tzinfo=UTC)
    return None


def _cells(row: AuditRow) -> tuple[str, ...]:
    return (
        iso_time(row.at),
        row.actor,
        row.command,
        row.target or "",
        row.outcome,
        row.reason or "",
        row.approval or "",
    )
