"""The steps of jobs, as their progress cards show them, and the leases of the processes that
run jobs.

A step row moves planned → done | skipped | failed when it ends (while it runs, only the
process running it knows); a retry moves a failed step back to planned. Leases are renewed by
each live process; one whose lease ran out is dead, and the first live process to delete its
row (`claim_expired`) recovers its jobs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import job_steps, replica_leases
from commands.kit.steps import StepState

__all__ = [
    "Lease",
    "StepRow",
    "claim_expired",
    "has_expired",
    "insert_steps",
    "load_steps",
    "mark_undone",
    "move_step",
    "release",
    "renew",
]


@dataclass(frozen=True)
class StepRow:
    action_id: str
    key: str
    position: int
    label: str
    after: tuple[str, ...]
    state: StepState
    attempts: int = 0
    detail: str = ""
    error: str = ""
    undo: Mapping[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    undone_at: datetime | None = None


async def insert_steps(conn: AsyncConnection, rows: Sequence[StepRow]) -> None:
    """The job's steps as planned; a second call for the same job (a resumed run) adds none."""
    if not rows:
        return
    have = set(
        (
            await conn.execute(
                select(job_steps.c.key).where(job_steps.c.action_id == rows[0].action_id)
            )
        ).scalars()
    )
    new = [row for row in rows if row.key not in have]
    if new:
        await conn.execute(
            insert(job_steps),
            [
                {
                    "action_id": row.action_id,
                    "key": row.key,
                    "position": row.position,
                    "label": row.label,
                    "after": list(row.after),
                    "state": row.state.value,
                }
                for row in new
            ],
        )


async def load_steps(
    conn: AsyncConnection, action_id: str, keys: Sequence[str] | None = None
) -> list[StepRow]:
    """The job's steps in order; with `keys`, only those."""
    query = select(job_steps).where(job_steps.c.action_id == action_id)
    if keys is not None:
        query = query.where(job_steps.c.key.in_(list(keys)))
    rows = await conn.execute(query.order_by(job_steps.c.position))
    return [
        StepRow(
            action_id=row.action_id,
            key=row.key,
            position=row.position,
            label=row.label,
            after=tuple(row.after or ()),
            state=StepState(row.state),
            attempts=row.attempts,
            detail=row.detail,
            error=row.error,
            undo=dict(row.undo or {}),
            started_at=row.started_at,
            finished_at=row.finished_at,
            undone_at=row.undone_at,
        )
        for row in rows.mappings()
    ]


async def move_step(
    conn: AsyncConnection,
    action_id: str,
    key: str,
    to: StepState,
    now: datetime,
    *,
    leaving: Sequence[StepState] = (),
    **values: Any,
) -> bool:
    """Moves one step; with `leaving`, only from those states (false when it was elsewhere)."""
    where = and_(job_steps.c.action_id == action_id, job_steps.c.key == key)
    if leaving:
        where = and_(where, job_steps.c.state.in_([state.value for state in leaving]))
    if to is StepState.PLANNED:
        values |= {"error": "", "detail": "", "finished_at": None}  # to run again (a retry)
    else:
        values |= {"finished_at": now}
    result = await conn.execute(update(job_steps).where(where).values(state=to.value, **values))
    return result.rowcount == 1


async def mark_undone(conn: AsyncConnection, action_id: str, key: str, now: datetime) -> bool:
    """Once per step: false when it was undone already."""
    result = await conn.execute(
        update(job_steps)
        .where(
            job_steps.c.action_id == action_id,
            job_steps.c.key == key,
            job_steps.c.undone_at.is_(None),
        )
        .values(undone_at=now)
    )
    return result.rowcount == 1


# -- leases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lease:
    executor_id: str
    role: str
    host: str
    pid: int
    app_version: str
    started_at: datetime
    renewed_at: datetime
    expires_at: datetime


async def renew(conn: AsyncConnection, lease: Lease) -> None:
    """Takes or extends this process's lease."""
    values = {
        "role": lease.role,
        "host": lease.host,
        "pid": lease.pid,
        "app_version": lease.app_version,
        "renewed_at": lease.renewed_at,
        "expires_at": lease.expires_at,
    }
    updated = await conn.execute(
        update(replica_leases)
        .where(replica_leases.c.executor_id == lease.executor_id)
        .values(**values)
    )
    if updated.rowcount == 0:
        await conn.execute(
            insert(replica_leases).values(
                executor_id=lease.executor_id, started_at=lease.started_at, **values
            )
        )


async def release(conn: AsyncConnection, executor_id: str) -> None:
    """A clean stop: nothing left to recover, so no lease to wait out."""
    await conn.execute(delete(replica_leases).where(replica_leases.c.executor_id == executor_id))


async def has_expired(conn: AsyncConnection, now: datetime) -> bool:
    row = await conn.execute(
        select(replica_leases.c.executor_id).where(replica_leases.c.expires_at <= now).limit(1)
    )
    return row.first() is not None


async def claim_expired(conn: AsyncConnection, now: datetime) -> list[Lease]:
    """The leases that ran out, each deleted by exactly one claimant: the caller recovers
    the jobs of those it got."""
    rows = await conn.execute(select(replica_leases).where(replica_leases.c.expires_at <= now))
    claimed: list[Lease] = []
    for lease in [Lease(**row) for row in rows.mappings()]:
        gone = await conn.execute(
            delete(replica_leases).where(
                replica_leases.c.executor_id == lease.executor_id,
                replica_leases.c.expires_at == lease.expires_at,
            )
        )
        if gone.rowcount == 1:
            claimed.append(lease)
    return claimed
