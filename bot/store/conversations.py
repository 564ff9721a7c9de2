"""Conversation references: what a platform needs to post into a conversation later."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import conversation_references

__all__ = ["load_reference", "save_reference"]


async def save_reference(
    conn: AsyncConnection,
    channel: str,
    conversation_id: str,
    reference: Mapping[str, Any],
    now: datetime,
) -> None:
    """Keep the newest reference of a conversation (service URLs can change)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = {
        "channel": channel,
        "conversation_id": conversation_id,
        "reference": dict(reference),
        "updated_at": now,
    }
    statement = dialect.insert(conversation_references).values(**values)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["channel", "conversation_id"],
            set_={"reference": statement.excluded.reference, "updated_at": now},
        )
    )


async def load_reference(
    conn: AsyncConnection, channel: str, conversation_id: str
) -> dict[str, Any] | None:
    table = conversation_references
    row = (
        await conn.execute(
            select(table.c.reference).where(
                table.c.channel == channel, table.c.conversation_id == conversation_id
            )
        )
    ).first()
    return dict(row[0]) if row is not None else None
