"""Checking the audit log's hash chain, and the head to publish so a rewrite shows.

`deskhand audit verify` runs `verify_store`; `deskhand audit head` prints `export_head`, which
an operator (or a scheduled post to an audit channel) keeps outside the database: a later
verify that passes but ends on a different hash means the table was rebuilt wholesale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import open_store
from bot.store.audit import (
    GENESIS_HASH,
    AuditRecord,
    audit_rows_after,
    chain_head,
    count_audit,
    row_hash,
)

__all__ = ["ChainReport", "export_head", "verify_chain", "verify_store"]

PAGE = 1000
EDITED = "its hash does not match its content: the row was edited"
RELINKED = "it does not follow the row before it: a row was deleted or inserted before it"


@dataclass(frozen=True)
class ChainReport:
    """How far the chain held: `rows` checked, and the first broken row's id and why."""

    rows: int
    broken_id: int | None = None
    problem: str | None = None
    head_hash: str = GENESIS_HASH

    @property
    def intact(self) -> bool:
        return self.broken_id is None


async def verify_chain(conn: AsyncConnection) -> ChainReport:
    """Recompute every row's hash, oldest first, and stop at the first that does not hold."""
    previous = GENESIS_HASH
    checked = 0
    last_id = 0
    while page := await audit_rows_after(conn, last_id, PAGE):
        for record in page:
            checked += 1
            problem = _problem(record, previous)
            if problem:
                return ChainReport(rows=checked, broken_id=record.id, problem=problem)
            previous = record.hash
        last_id = page[-1].id
    return ChainReport(rows=checked, head_hash=previous)


async def verify_store(url: str) -> ChainReport:
    """Verify the chain of the store at `url` (ConfigurationError when it cannot be opened)."""
    async with await open_store(url) as store, store.engine.connect() as conn:
        return await verify_chain(conn)


async def export_head(url: str) -> dict[str, Any]:
    """The newest row's id, hash and time and the row count, as JSON-able values."""
    async with await open_store(url) as store, store.engine.begin() as conn:
        head = await chain_head(conn)
        rows = await count_audit(conn)
    if head is None:
        return {"id": None, "hash": GENESIS_HASH, "at": None, "rows": rows}
    return {"id": head.id, "hash": head.hash, "at": head.at.isoformat(), "rows": rows}


def _problem(record: AuditRecord, previous: str) -> str | None:
    if record.prev_hash != previous:
        return RELINKED
    if row_hash(asdict(record)) != record.hash:
        return EDITED
    return None
