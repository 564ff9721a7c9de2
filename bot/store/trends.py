"""The digests' daily snapshots: one row per tenant, kind and day, and `StoreTrends`, the
`TrendBook` commands reach them through.

Recording a day again replaces its row (update, and insert when there was none), so a digest
run twice a day keeps the later figures and replicas racing on the same day keep one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.engine import Store
from bot.store.tables import digest_snapshots
from commands.kit.services import Snapshot

__all__ = ["StoreTrends", "load_history", "load_previous", "save_snapshot"]

_table = digest_snapshots


async def save_snapshot(conn: AsyncConnection, snapshot: Snapshot) -> None:
    """Stores the day's snapshot, replacing one of the same tenant, kind and day; run it in a
    transaction of its own."""
    key = (
        (_table.c.tenant == snapshot.tenant)
        & (_table.c.kind == snapshot.kind)
        & (_table.c.day == snapshot.day)
    )
    values = {
        "metrics": dict(snapshot.metrics),
        "flagged": {name: list(upns) for name, upns in snapshot.flagged.items()},
        "taken_at": snapshot.taken_at,
    }
    changed = await conn.execute(update(_table).where(key).values(**values))
    if changed.rowcount:
        return
    try:
        async with conn.begin_nested():
            await conn.execute(
                insert(_table).values(
                    tenant=snapshot.tenant, kind=snapshot.kind, day=snapshot.day, **values
                )
            )
    except IntegrityError:
        # Another replica recorded the day first: the later figures still win.
        await conn.execute(update(_table).where(key).values(**values))


async def load_previous(
    conn: AsyncConnection, tenant: str, kind: str, before: date
) -> Snapshot | None:
    """The latest snapshot taken on a day before `before`."""
    query = (
        select(_table)
        .where(_table.c.tenant == tenant, _table.c.kind == kind, _table.c.day < before)
        .order_by(_table.c.day.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _snapshot(row)


async def load_history(
    conn: AsyncConnection, tenant: str, kind: str, since: date
) -> list[Snapshot]:
    """The snapshots from `since` on, oldest first."""
    query = (
        select(_table)
        .where(_table.c.tenant == tenant, _table.c.kind == kind, _table.c.day >= since)
        .order_by(_table.c.day)
    )
    return [_snapshot(row) for row in (await conn.execute(query)).mappings()]


def _snapshot(row: RowMapping) -> Snapshot:
    flagged = row["flagged"] or {}
    return Snapshot(
        tenant=row["tenant"],
        kind=row["kind"],
        day=row["day"],
        metrics={name: float(value) for name, value in (row["metrics"] or {}).items()},
        flagged={name: tuple(upns) for name, upns in flagged.items()},
        taken_at=row["taken_at"],
    )


@dataclass(frozen=True)
class StoreTrends:
    """The `TrendBook` on the store."""

    store: Store

    async def record(self, snapshot: Snapshot) -> None:
        async with self.store.engine.begin() as conn:
            await save_snapshot(conn, snapshot)

    async def previous(self, tenant: str, kind: str, before: date) -> Snapshot | None:
        async with self.store.engine.connect() as conn:
            return await load_previous(conn, tenant, kind, before)

    async def history(self, tenant: str, kind: str, since: date) -> list[Snapshot]:
        async with self.store.engine.connect() as conn:
            return await load_history(conn, tenant, kind, since)
