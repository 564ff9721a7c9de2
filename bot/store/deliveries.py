"""Inbound deliveries seen before: the first to claim a key runs, every later one does not."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import deliveries

__all__ = ["claim_delivery", "forget_deliveries_before"]


async def claim_delivery(conn: AsyncConnection, key: str, now: datetime) -> bool:
    """True for the first claim of `key` (across processes sharing the store), else False.

    Run it in a transaction of its own: a refused claim ends that transaction.
    """
    try:
        await conn.execute(insert(deliveries).values(key=key, seen_at=now))
    except IntegrityError:
        return False
    return True


async def forget_deliveries_before(conn: AsyncConnection, cutoff: datetime) -> int:
    """Drop keys older than any retry or replay window; returns how many went."""
    result = await conn.execute(delete(deliveries).where(deliveries.c.seen_at < cutoff))
    return result.rowcount


KEEP_FOR = timedelta(hours=2)
"""Slack retries for about an hour and refuses signatures older than five minutes."""
