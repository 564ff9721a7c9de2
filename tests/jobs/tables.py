"""Reading every table of the store: Deskhand's and DBOS's (on PostgreSQL in the store's own
schema, which the test store's URL names; the same file on SQLite)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress

from sqlalchemy import text

from bot.store import Store

__all__ = ["dbos_table", "tables_holding"]


def dbos_table(store: Store, name: str) -> str:
    """DBOS's table as the store's connections name it: its schema is on their search path."""
    return f"{store.url.schema}.{name}" if store.url.schema else name


async def _tables(store: Store) -> list[str]:
    if store.engine.dialect.name == "postgresql":
        query = (
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    async with store.engine.connect() as conn:
        return [str(name) for (name,) in await conn.execute(text(query))]


def _readings(value: object) -> Iterator[str]:
    """The value as text, and, for text that is base64 (DBOS's pickled inputs and outputs), the
    bytes it encodes as well."""
    if isinstance(value, bytes | bytearray | memoryview):
        yield bytes(value).decode("utf-8", "replace")
        return
    shown = str(value)
    yield shown
    if isinstance(value, str) and len(value) >= 8:
        with suppress(binascii.Error, ValueError):
            yield base64.b64decode(value, validate=True).decode("utf-8", "replace")


async def tables_holding(store: Store, needles: Sequence[str]) -> dict[str, list[str]]:
    """For each table that holds one of `needles` anywhere in a row: which of them."""
    found: dict[str, list[str]] = {}
    for table in await _tables(store):
        quoted = ".".join(f'"{part}"' for part in table.split("."))
        async with store.engine.connect() as conn:
            rows = (await conn.execute(text(f"SELECT * FROM {quoted}"))).all()
        held = _held(needles, (reading for row in rows for v in row for reading in _readings(v)))
        if held:
            found[table] = held
    return found


def _held(needles: Sequence[str], readings: Iterable[str]) -> list[str]:
    left = list(needles)
    held: list[str] = []
    for reading in readings:
        for needle in [n for n in left if n in reading]:
            held.append(needle)
            left.remove(needle)
    return held
