"""Per-tenant guards: a tenant switched off here refuses every destructive action.

A tenant without a row is switched on. Setting a switch is one upsert-like write (update, and
insert when there was no row), so the last writer wins on every replica.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import tenant_guards

__all__ = ["GuardRecord", "load_guards", "set_guard"]


@dataclass(frozen=True)
class GuardRecord:
    tenant: str
    destructive_enabled: bool
    changed_by: str
    changed_at: datetime
    note: str


async def set_guard(
    conn: AsyncConnection,
    *,
    tenant: str,
    destructive_enabled: bool,
    changed_by: str,
    now: datetime,
    note: str,
) -> GuardRecord:
    """Switch a tenant's destructive actions on or off; run it in a transaction of its own."""
    values = {
        "destructive_enabled": destructive_enabled,
        "changed_by": changed_by,
        "changed_at": now,
        "note": note,
    }
    changed = await conn.execute(
        update(tenant_guards).where(tenant_guards.c.tenant == tenant).values(**values)
    )
    if changed.rowcount == 0:
        try:
            async with conn.begin_nested():
                await conn.execute(insert(tenant_guards).values(tenant=tenant, **values))
        except IntegrityError:
            # Another replica inserted it first: this later change still wins.
            await conn.execute(
                update(tenant_guards).where(tenant_guards.c.tenant == tenant).values(**values)
            )
    return GuardRecord(tenant, destructive_enabled, changed_by, now, note)


async def load_guards(
    conn: AsyncConnection, tenants: Collection[str] | None = None
) -> dict[str, GuardRecord]:
    """The stored switches by tenant, for these tenants when given."""
    query = select(tenant_guards)
    if tenants is not None:
        query = query.where(tenant_guards.c.tenant.in_(list(tenants)))
    rows = (await conn.execute(query)).mappings()
    return {
        row["tenant"]: GuardRecord(
            row["tenant"],
            bool(row["destructive_enabled"]),
            row["changed_by"],
            row["changed_at"],
            row["note"],
        )
        for row in rows
    }
