"""Pending actions: destructive commands waiting to be confirmed, approved and run.

Every move from one state to the next is one compare-and-set UPDATE (`move`): it names the
states it may leave, so of two clicks, two replayed payloads or two replicas, exactly one wins
and the others learn they lost.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import pending_actions

__all__ = [
    "ActionState",
    "PendingAction",
    "count_started_since",
    "due_for_reminder",
    "insert_action",
    "list_actions",
    "load_action",
    "mark_reminded",
    "move",
    "new_action_id",
    "save_cards",
    "save_writes",
    "stale_actions",
]


class ActionState(StrEnum):
    PENDING = "pending"
    """Waiting for the requester to confirm."""
    AWAITING = "awaiting"
    """Confirmed; waiting for an approver."""
    APPROVED = "approved"
    RUNNING = "running"
    DONE = "done"
    PARTIAL = "partial"
    """A job that finished with some steps failed: they can be retried from its card."""
    FAILED = "failed"
    UNKNOWN = "unknown"
    """Ran, and a write it sent got no answer that a read-back could settle."""
    DENIED = "denied"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def open(self) -> bool:
        return self in (ActionState.PENDING, ActionState.AWAITING)


def new_action_id() -> str:
    """Unguessable, short enough to type: 96 random bits. Never starting with "-", which
    `/confirm -x…` would read as an option (one id in 64 did)."""
    while (action_id := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return action_id


@dataclass(frozen=True)
class PendingAction:
    id: str
    command: str
    args: Mapping[str, Any]
    tenant: str
    requester: str
    requester_email: str
    requester_name: str
    channel: str
    return_address: Mapping[str, str]
    plan: Mapping[str, Any]
    policy: str
    reason: str | None
    state: ActionState
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    decided_by: str | None = None
    decided_via: str | None = None
    decision_reason: str | None = None
    decided_at: datetime | None = None
    result: str | None = None
    cards: Sequence[Mapping[str, str]] = field(default_factory=tuple)
    reminded_at: datetime | None = None
    writes: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    """What it sent while running: `method`, `path`, `client_request_id` (and `request_id`
    and `status` once answered)."""


async def insert_action(conn: AsyncConnection, action: PendingAction) -> None:
    values = {column.name: getattr(action, column.name) for column in pending_actions.columns}
    values["state"] = action.state.value
    values["cards"] = list(action.cards)
    values["writes"] = list(action.writes)
    await conn.execute(insert(pending_actions).values(**values))


async def load_action(conn: AsyncConnection, action_id: str) -> PendingAction | None:
    query = select(pending_actions).where(pending_actions.c.id == action_id)
    row = (await conn.execute(query)).mappings().first()
    return _action(row) if row else None


async def move(
    conn: AsyncConnection,
    action_id: str,
    *,
    leaving: Collection[ActionState],
    to: ActionState,
    now: datetime,
    unexpired: bool = False,
    **values: Any,
) -> bool:
    """Moves the action to `to` if it is in one of `leaving` (and, with `unexpired`, has not
    expired); True when this call made the move."""
    query = (
        update(pending_actions)
        .where(pending_actions.c.id == action_id)
        .where(pending_actions.c.state.in_([state.value for state in leaving]))
        .values(state=to.value, updated_at=now, **values)
    )
    if unexpired:
        query = query.where(pending_actions.c.expires_at > now)
    result = await conn.execute(query)
    return result.rowcount == 1


async def save_cards(
    conn: AsyncConnection, action_id: str, cards: Sequence[Mapping[str, str]]
) -> None:
    """Where the action's approval cards were posted; not a state move."""
    query = update(pending_actions).where(pending_actions.c.id == action_id)
    await conn.execute(query.values(cards=list(cards)))


async def save_writes(
    conn: AsyncConnection, action_id: str, writes: Sequence[Mapping[str, Any]]
) -> None:
    """The writes a running action has sent so far; not a state move."""
    query = update(pending_actions).where(pending_actions.c.id == action_id)
    await conn.execute(query.values(writes=list(writes)))


async def count_started_since(
    conn: AsyncConnection,
    since: datetime,
    *,
    requester: str | None = None,
    requester_email: str | None = None,
    tenant: str | None = None,
) -> int:
    """Actions created since `since`, by one requester (their actor id, or their verified
    e-mail, which is the same person through every chat account), in one tenant, or both."""
    query = select(func.count()).select_from(pending_actions)
    query = query.where(pending_actions.c.created_at >= since)
    if requester is not None:
        query = query.where(pending_actions.c.requester == requester)
    if requester_email is not None:
        query = query.where(pending_actions.c.requester_email == requester_email)
    if tenant is not None:
        query = query.where(pending_actions.c.tenant == tenant)
    return int((await conn.execute(query)).scalar_one())


async def stale_actions(conn: AsyncConnection, now: datetime, limit: int = 100) -> list[str]:
    """Open actions past their expiry, oldest first."""
    query = (
        select(pending_actions.c.id)
        .where(pending_actions.c.state.in_([ActionState.PENDING, ActionState.AWAITING]))
        .where(pending_actions.c.expires_at <= now)
        .order_by(pending_actions.c.expires_at)
        .limit(limit)
    )
    return [str(row[0]) for row in await conn.execute(query)]


async def due_for_reminder(
    conn: AsyncConnection, now: datetime, before: datetime, limit: int = 100
) -> list[PendingAction]:
    """Actions awaiting approval that expire before `before` and were not reminded yet."""
    query = (
        select(pending_actions)
        .where(pending_actions.c.state == ActionState.AWAITING.value)
        .where(pending_actions.c.expires_at > now)
        .where(pending_actions.c.expires_at <= before)
        .where(pending_actions.c.reminded_at.is_(None))
        .limit(limit)
    )
    return [_action(row) for row in (await conn.execute(query)).mappings()]


async def list_actions(
    conn: AsyncConnection,
    *,
    states: Collection[ActionState],
    tenants: Collection[str],
    limit: int = 50,
) -> list[PendingAction]:
    query = (
        select(pending_actions)
        .where(pending_actions.c.state.in_([state.value for state in states]))
        .where(pending_actions.c.tenant.in_(list(tenants)))
        .order_by(pending_actions.c.created_at.desc())
        .limit(limit)
    )
    return [_action(row) for row in (await conn.execute(query)).mappings()]


def _action(row: RowMapping) -> PendingAction:
    values = dict(row)
    values["state"] = ActionState(values["state"])
    values["cards"] = tuple(values["cards"] or ())
    values["writes"] = tuple(values["writes"] or ())
    return PendingAction(**values)


async def mark_reminded(conn: AsyncConnection, action_id: str, now: datetime) -> bool:
    """True for the one caller (of all replicas) that gets to send the reminder."""
    query = (
        update(pending_actions)
        .where(pending_actions.c.id == action_id)
        .where(pending_actions.c.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return (await conn.execute(query)).rowcount == 1
