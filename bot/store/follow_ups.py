"""Follow-ups: what a button runs, stored so the button carries only an unguessable id."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import follow_ups

__all__ = ["FollowUp", "load_follow_up", "save_follow_up"]


@dataclass(frozen=True)
class FollowUp:
    id: str
    command: str
    tenant: str | None
    created_by: str
    created_at: datetime
    expires_at: datetime


async def save_follow_up(
    conn: AsyncConnection,
    *,
    command: str,
    tenant: str | None,
    created_by: str,
    now: datetime,
    expires_at: datetime,
) -> FollowUp:
    follow_up = FollowUp(secrets.token_urlsafe(24), command, tenant, created_by, now, expires_at)
    await conn.execute(
        insert(follow_ups).values(
            id=follow_up.id,
            command=command,
            tenant=tenant,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return follow_up


async def load_follow_up(conn: AsyncConnection, follow_up_id: str) -> FollowUp | None:
    row = (
        (await conn.execute(select(follow_ups).where(follow_ups.c.id == follow_up_id)))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return FollowUp(
        row["id"],
        row["command"],
        row["tenant"],
        row["created_by"],
        row["created_at"],
        row["expires_at"],
    )
