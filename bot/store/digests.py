"""Scheduled digests' runs and their send ledger (`digest_runs`, `digest_sends`).

A send row moves planned → sending → sent | unknown | failed, each move a compare-and-set: the
row says "sending" before the message goes out, so a step resumed after a crash knows that it
may have gone, and asks the channel before sending again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import digest_runs, digest_sends

__all__ = [
    "DigestRun",
    "SendRow",
    "SendState",
    "last_runs",
    "load_run",
    "load_send",
    "move_send",
    "plan_sends",
    "run_sends",
    "save_run",
]


class SendState(StrEnum):
    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    UNKNOWN = "unknown"
    FAILED = "failed"


@dataclass(frozen=True)
class DigestRun:
    run_id: str
    schedule: str
    slot: datetime
    reply: Mapping[str, Any]
    outcome: str
    created_at: datetime


@dataclass(frozen=True)
class SendRow:
    schedule: str
    slot: datetime
    recipient: str
    """The message's key, as the deliverer named it (`mail:ada@example.com`)."""
    run_id: str
    state: SendState
    reply: Mapping[str, Any] = field(default_factory=dict)
    message_ref: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None


async def save_run(conn: AsyncConnection, run: DigestRun) -> None:
    """Records the run; a resumed run's second call replaces its reply and outcome."""
    values = {"reply": dict(run.reply), "outcome": run.outcome}
    updated = await conn.execute(
        update(digest_runs).where(digest_runs.c.run_id == run.run_id).values(**values)
    )
    if updated.rowcount == 0:
        await conn.execute(
            insert(digest_runs).values(
                run_id=run.run_id,
                schedule=run.schedule,
                slot=run.slot,
                created_at=run.created_at,
                **values,
            )
        )


async def load_run(conn: AsyncConnection, run_id: str) -> DigestRun | None:
    row = (
        (await conn.execute(select(digest_runs).where(digest_runs.c.run_id == run_id)))
        .mappings()
        .first()
    )
    return _run(row) if row else None


async def plan_sends(conn: AsyncConnection, rows: Sequence[SendRow]) -> None:
    """The run's messages, planned (or failed already: a recipient that could not be worked
    out); a message already in the ledger for this (schedule, slot) keeps its row, whatever
    state it reached."""
    if not rows:
        return
    first = rows[0]
    have = set(
        (
            await conn.execute(
                select(digest_sends.c.recipient).where(
                    digest_sends.c.schedule == first.schedule, digest_sends.c.slot == first.slot
                )
            )
        ).scalars()
    )
    new = [row for row in rows if row.recipient not in have]
    if new:
        await conn.execute(
            insert(digest_sends),
            [
                {
                    "schedule": row.schedule,
                    "slot": row.slot,
                    "recipient": row.recipient,
                    "run_id": row.run_id,
                    "state": row.state.value,
                    "reply": dict(row.reply),
                    "detail": row.detail,
                    "ended_at": row.ended_at,
                }
                for row in new
            ],
        )


async def load_send(
    conn: AsyncConnection, schedule: str, slot: datetime, recipient: str
) -> SendRow | None:
    row = (
        (await conn.execute(select(digest_sends).where(_message(schedule, slot, recipient))))
        .mappings()
        .first()
    )
    return _send(row) if row else None


async def run_sends(conn: AsyncConnection, run_id: str) -> list[SendRow]:
    rows = await conn.execute(
        select(digest_sends)
        .where(digest_sends.c.run_id == run_id)
        .order_by(digest_sends.c.recipient)
    )
    return [_send(row) for row in rows.mappings()]


async def move_send(
    conn: AsyncConnection,
    schedule: str,
    slot: datetime,
    recipient: str,
    to: SendState,
    *,
    leaving: Sequence[SendState],
    **values: Any,
) -> bool:
    """Moves one message from one of `leaving` to `to`; false when it was elsewhere."""
    where = and_(
        _message(schedule, slot, recipient),
        digest_sends.c.state.in_([state.value for state in leaving]),
    )
    result = await conn.execute(update(digest_sends).where(where).values(state=to.value, **values))
    return result.rowcount == 1


async def last_runs(conn: AsyncConnection, schedules: Sequence[str]) -> dict[str, DigestRun]:
    """Each named schedule's latest run (by slot), for /schedule list."""
    latest = (
        select(digest_runs.c.schedule, func.max(digest_runs.c.slot).label("slot"))
        .where(digest_runs.c.schedule.in_(list(schedules)))
        .group_by(digest_runs.c.schedule)
        .subquery()
    )
    rows = await conn.execute(
        select(digest_runs)
        .join(
            latest,
            and_(digest_runs.c.schedule == latest.c.schedule, digest_runs.c.slot == latest.c.slot),
        )
        .order_by(digest_runs.c.created_at)
    )
    return {row.schedule: _run(row) for row in rows.mappings()}


def _message(schedule: str, slot: datetime, recipient: str) -> Any:
    return and_(
        digest_sends.c.schedule == schedule,
        digest_sends.c.slot == slot,
        digest_sends.c.recipient == recipient,
    )


def _run(row: Any) -> DigestRun:
    return DigestRun(
        run_id=row.run_id,
        schedule=row.schedule,
        slot=row.slot,
        reply=dict(row.reply or {}),
        outcome=row.outcome,
        created_at=row.created_at,
    )


def _send(row: Any) -> SendRow:
    return SendRow(
        schedule=row.schedule,
        slot=row.slot,
        recipient=row.recipient,
        run_id=row.run_id,
        state=SendState(row.state),
        reply=dict(row.reply or {}),
        message_ref=dict(row.message_ref or {}),
        detail=row.detail,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )
