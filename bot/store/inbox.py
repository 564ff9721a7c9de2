"""The inbox: chat requests acknowledged and not answered yet, one row each.

A row is written when a request is acknowledged and deleted once its answer (or its error
message) has been delivered; a row left behind is a request its process died holding.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import inbox

__all__ = ["InboxEntry", "forget_entries", "record_entries", "unanswered"]


@dataclass(frozen=True)
class InboxEntry:
    id: str
    """The request id, as its log lines and audit record carry it."""
    owner: str
    """The executor id of the process that acknowledged it."""
    channel: str
    person: str
    """The person's chat id."""
    person_name: str
    summary: str
    """What was asked, as typed, at most 200 characters and never a secret."""
    return_address: Mapping[str, str]
    """What the channel needs to reach the person privately later."""
    received_at: datetime


async def record_entries(conn: AsyncConnection, entries: Sequence[InboxEntry]) -> None:
    """Many rows in one statement: acknowledgements are written in batches."""
    if not entries:
        return
    await conn.execute(
        insert(inbox),
        [
            {
                "id": e.id,
                "owner": e.owner,
                "channel": e.channel,
                "person": e.person,
                "person_name": e.person_name,
                "summary": e.summary,
                "return_address": dict(e.return_address),
                "received_at": e.received_at,
            }
            for e in entries
        ],
    )


async def forget_entries(conn: AsyncConnection, ids: Collection[str]) -> int:
    """Requests answered: their rows go. Returns how many there were."""
    if not ids:
        return 0
    result = await conn.execute(delete(inbox).where(inbox.c.id.in_(list(ids))))
    return result.rowcount


async def unanswered(
    conn: AsyncConnection, owner: str, *, received_before: datetime | None = None
) -> list[InboxEntry]:
    """The rows `owner` left, oldest first (those received from `received_before` on are
    its own requests in flight, not leftovers)."""
    query = select(inbox).where(inbox.c.owner == owner).order_by(inbox.c.received_at)
    if received_before is not None:
        query = query.where(inbox.c.received_at < received_before)
    rows = (await conn.execute(query)).mappings()
    return [
        InboxEntry(
            id=row["id"],
            owner=row["owner"],
            channel=row["channel"],
            person=row["person"],
            person_name=row["person_name"],
            summary=row["summary"],
            return_address={str(k): str(v) for k, v in dict(row["return_address"]).items()},
            received_at=row["received_at"],
        )
        for row in rows
    ]
