"""How many rows each of Deskhand's tables holds: what a refused request must leave untouched."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.store import Store
from bot.store.tables import metadata


async def rows_stored(store: Store) -> dict[str, int]:
    """Table name → row count, for every table Deskhand declares."""
    async with store.engine.connect() as conn:
        return {
            table.name: int(
                (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            )
            for table in metadata.sorted_tables
        }
