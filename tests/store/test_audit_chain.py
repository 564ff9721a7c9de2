from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Executable, create_engine, delete, insert, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError

from bot.audit_chain import EDITED, RELINKED, export_head, verify_chain, verify_store
from bot.store import Store, open_store, parse_store_url
from bot.store.audit import GENESIS_HASH, AuditEntry, append_audit, chain_head, list_audit
from bot.store.migrate import alembic_config
from bot.store.tables import audit_log

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def entry(number: int, **fields: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "actor": "megan@msp.example",
        "channel": "slack",
        "command": "user",
        "outcome": "ok",
        "correlation_id": f"req-{number}",
        "tenant": "contoso",
        "at": START + timedelta(minutes=number),
    }
    return AuditEntry(**(values | fields))


async def append_many(store: Store, count: int) -> list[int]:
    ids = []
    for number in range(count):
        async with store.engine.begin() as conn:
            ids.append((await append_audit(conn, entry(number))).id)
    return ids


async def tamper(store: Store, change: Executable) -> None:
    """Change rows the way someone with rights over the database could: guards off first."""
    async with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            for trigger in ("audit_log_refuse_update", "audit_log_refuse_delete"):
                await conn.execute(text(f"DROP TRIGGER {trigger}"))
        else:
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
        await conn.execute(change)


async def test_each_row_chains_onto_the_one_before(store: Store) -> None:
    async with store.engine.begin() as conn:
        first = await append_audit(conn, entry(0, approval="ada@msp.example", reason="ticket 4"))
        second = await append_audit(conn, entry(1))
    async with store.engine.connect() as conn:
        report = await verify_chain(conn)
        head = await chain_head(conn)

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert len({first.hash, second.hash}) == 2
    assert (first.approval, first.reason) == ("ada@msp.example", "ticket 4")
    assert (report.intact, report.rows, report.head_hash) == (True, 2, second.hash)
    assert head is not None
    assert (head.id, head.hash, head.at) == (second.id, second.hash, second.at)


async def test_concurrent_appends_form_one_unbroken_chain(store: Store) -> None:
    async def append(number: int) -> None:
        async with store.engine.begin() as conn:
            await append_audit(conn, entry(number))

    await asyncio.gather(*(append(number) for number in range(50)))

    async with store.engine.connect() as conn:
        report = await verify_chain(conn)
        records = await list_audit(conn, limit=100)
    assert (report.intact, report.rows) == (True, 50)
    assert len({record.prev_hash for record in records}) == 50


async def test_a_row_edited_in_the_database_is_named(store: Store) -> None:
    ids = await append_many(store, 4)

    await tamper(store, update(audit_log).where(audit_log.c.id == ids[1]).values(outcome="denied"))
    async with store.engine.connect() as conn:
        report = await verify_chain(conn)

    assert (report.intact, report.broken_id, report.problem, report.rows) == (
        False,
        ids[1],
        EDITED,
        2,
    )


async def test_a_deleted_middle_row_breaks_the_chain_at_the_next_row(store: Store) -> None:
    ids = await append_many(store, 4)

    await tamper(store, delete(audit_log).where(audit_log.c.id == ids[1]))
    async with store.engine.connect() as conn:
        report = await verify_chain(conn)

    assert (report.intact, report.broken_id, report.problem) == (False, ids[2], RELINKED)


async def test_the_command_line_verifies_and_exports_the_head(store_url: str) -> None:
    empty = await export_head(store_url)
    async with await open_store(store_url) as store:
        await append_many(store, 3)
        async with store.engine.connect() as conn:
            head = await chain_head(conn)

    report = await verify_store(store_url)
    exported = await export_head(store_url)

    assert empty == {"id": None, "hash": GENESIS_HASH, "at": None, "rows": 0}
    assert head is not None
    assert (report.intact, report.rows, report.head_hash) == (True, 3, head.hash)
    assert exported == {"id": head.id, "hash": head.hash, "at": head.at.isoformat(), "rows": 3}


def _migrate(url: URL, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


async def test_the_migration_chains_rows_written_before_it(store_url: str) -> None:
    url = parse_store_url(store_url)
    if url.is_sqlite and url.sync_url.database:
        Path(url.sync_url.database).parent.mkdir(parents=True)
    await asyncio.to_thread(_migrate, url.sync_url, "0003")
    legacy = create_engine(url.sync_url)
    try:
        with legacy.begin() as connection:
            for number in range(3):
                written = entry(number)
                connection.execute(
                    insert(audit_log).values(
                        at=written.at,
                        actor=written.actor,
                        channel=written.channel,
                        tenant=written.tenant,
                        command=written.command,
                        outcome=written.outcome,
                        detail="",
                        graph_request_ids=[{"request_id": "r", "client_request_id": "c"}],
                        correlation_id=written.correlation_id,
                    )
                )
    finally:
        legacy.dispose()

    async with await open_store(store_url) as store:
        async with store.engine.begin() as conn:
            await append_audit(conn, entry(3))
        async with store.engine.connect() as conn:
            report = await verify_chain(conn)
        with pytest.raises(IntegrityError, match="append-only"):
            async with store.engine.begin() as conn:
                await conn.execute(update(audit_log).values(outcome="denied"))

    assert (report.intact, report.rows) == (True, 4)
