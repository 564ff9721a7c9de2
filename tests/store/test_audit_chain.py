from __future__ import annotations

import asyncio
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Executable, create_engine, delete, insert, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError

from bot.audit.anchors import read_anchors
from bot.audit.chain import (
    EDITED,
    RELINKED,
    UNSIGNED,
    export_head,
    verify_chain,
    verify_store,
)
from bot.audit.keys import Keyring, key_id
from bot.audit.log import AuditLog
from bot.store import Store, open_store, parse_store_url
from bot.store.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    ChainKey,
    append_audit,
    audit_rows_after,
    chain_head,
    list_audit,
    row_hash,
    row_mac,
)
from bot.store.migrate import alembic_config
from bot.store.tables import audit_log
from tests.plugins.store import AUDIT_KEY, KEYRING

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
            ids.append((await append_audit(conn, entry(number), AUDIT_KEY)).id)
    return ids


async def tamper(store: Store, *changes: Executable) -> None:
    """Change rows the way someone with rights over the database could: guards off first."""
    async with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            for trigger in ("audit_log_refuse_update", "audit_log_refuse_delete"):
                await conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        else:
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
        for change in changes:
            await conn.execute(change)


async def stored_rows(store: Store) -> list[AuditRecord]:
    async with store.engine.connect() as conn:
        return await audit_rows_after(conn, 0, 1000)


def forged(
    rows: list[AuditRecord], *, previous: str, unkeyed: bool, key: ChainKey | None = None
) -> list[Executable]:
    """Re-link `rows` onto `previous` as someone without the key would: plain SHA-256 hashes,
    the key ids and places kept (`unkeyed=False`) or cleared to pass for legacy rows; or, as
    someone holding `key`, signed with it."""
    statements: list[Executable] = []
    for record in rows:
        values = asdict(record) | {"prev_hash": previous}
        if unkeyed:
            values |= {"key_id": None, "seq": None}
        previous = row_hash(values) if key is None else row_mac(key, values)
        statements.append(
            update(audit_log)
            .where(audit_log.c.id == record.id)
            .values(
                prev_hash=values["prev_hash"],
                hash=previous,
                key_id=values["key_id"],
                seq=values["seq"],
            )
        )
    return statements


async def test_each_row_chains_onto_the_one_before(store: Store) -> None:
    async with store.engine.begin() as conn:
        first = await append_audit(
            conn, entry(0, approval="ada@msp.example", reason="ticket 4"), AUDIT_KEY
        )
        second = await append_audit(conn, entry(1), AUDIT_KEY)
    async with store.engine.connect() as conn:
        report = await verify_chain(conn, KEYRING)
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
            await append_audit(conn, entry(number), AUDIT_KEY)

    await asyncio.gather(*(append(number) for number in range(50)))

    async with store.engine.connect() as conn:
        report = await verify_chain(conn, KEYRING)
        records = await list_audit(conn, limit=100)
    assert (report.intact, report.rows) == (True, 50)
    assert len({record.prev_hash for record in records}) == 50


async def test_a_row_edited_in_the_database_is_named(store: Store) -> None:
    ids = await append_many(store, 4)

    await tamper(store, update(audit_log).where(audit_log.c.id == ids[1]).values(outcome="denied"))
    async with store.engine.connect() as conn:
        report = await verify_chain(conn, KEYRING)

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
        report = await verify_chain(conn, KEYRING)

    assert (report.intact, report.broken_id, report.problem) == (False, ids[2], RELINKED)


async def test_the_command_line_verifies_and_exports_the_head(store_url: str) -> None:
    empty = await export_head(store_url)
    async with await open_store(store_url) as store:
        await append_many(store, 3)
        async with store.engine.connect() as conn:
            head = await chain_head(conn)

    report = await verify_store(store_url, KEYRING)
    exported = await export_head(store_url)

    assert empty == {"id": None, "seq": None, "hash": GENESIS_HASH, "at": None, "rows": 0}
    assert head is not None
    assert (report.intact, report.rows, report.head_hash) == (True, 3, head.hash)
    assert exported == {
        "id": head.id,
        "seq": 3,
        "hash": head.hash,
        "at": head.at.isoformat(),
        "rows": 3,
    }


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
            sealing = await append_audit(conn, entry(3), AUDIT_KEY)
        async with store.engine.connect() as conn:
            report = await verify_chain(conn, KEYRING)
        with pytest.raises(IntegrityError, match="append-only"):
            async with store.engine.begin() as conn:
                await conn.execute(update(audit_log).values(outcome="denied"))
        # The first keyed row seals the legacy rows: re-hashing one of them breaks the link.
        await tamper(store, update(audit_log).where(audit_log.c.id == 2).values(outcome="x"))
        rows = await stored_rows(store)
        await tamper(store, *forged(rows[1:3], previous=rows[0].hash, unkeyed=True))
        async with store.engine.connect() as conn:
            resealed = await verify_chain(conn, KEYRING)

    assert (report.intact, report.rows, report.legacy_rows) == (True, 4, 3)
    assert (sealing.seq, sealing.key_id) == (4, AUDIT_KEY.id)
    assert (resealed.intact, resealed.broken_id, resealed.problem) == (False, 4, RELINKED)


async def log_many(audit: AuditLog, count: int) -> list[AuditRecord]:
    return [await audit.append(entry(number)) for number in range(count)]


@pytest.mark.parametrize("unkeyed", [False, True], ids=["keeping-key-ids", "as-unkeyed-rows"])
async def test_a_deleted_row_with_the_rest_rehashed_without_the_key_is_caught(
    audit: AuditLog, unkeyed: bool
) -> None:
    rows = await log_many(audit, 5)

    await tamper(
        audit.store,
        delete(audit_log).where(audit_log.c.id == rows[1].id),
        *forged(rows[2:], previous=rows[0].hash, unkeyed=unkeyed),
    )
    async with audit.store.engine.connect() as conn:
        report = await verify_chain(conn, KEYRING)

    assert (report.intact, report.broken_id) == (False, rows[2].id)
    assert report.problem == (UNSIGNED if unkeyed else EDITED)


async def test_a_chain_rebuilt_as_unkeyed_rows_is_caught_by_the_anchors_and_the_head(
    audit: AuditLog,
) -> None:
    rows = await log_many(audit, 4)
    anchors = read_anchors(audit.anchors.path)

    # The whole table re-hashed from the start, a row gone: every link holds again.
    await tamper(
        audit.store,
        delete(audit_log).where(audit_log.c.id == rows[1].id),
        *forged([rows[0], *rows[2:]], previous=GENESIS_HASH, unkeyed=True),
    )
    async with audit.store.engine.connect() as conn:
        alone = await verify_chain(conn, KEYRING)
        anchored = await verify_chain(conn, KEYRING, anchors=anchors)
        expected = await verify_chain(conn, KEYRING, expect_heads=[rows[-1].hash])

    assert (alone.intact, alone.rows, alone.legacy_rows) == (True, 3, 3)
    assert [(a.seq, a.hash, a.replica) for a in anchors] == [
        (row.seq, row.hash, "test-replica") for row in rows
    ]
    assert (anchored.intact, anchored.broken_id) == (False, rows[0].id)
    assert anchored.problem is not None
    assert "not the row 1 replica test-replica anchored" in anchored.problem
    assert (expected.intact, expected.broken_id) == (False, None)
    assert expected.problem == (
        f"the expected head {rows[-1].hash} is not in the chain: rows were removed or rewritten"
    )


async def test_removing_the_newest_rows_is_caught_by_the_anchors_and_the_expected_head(
    audit: AuditLog,
) -> None:
    rows = await log_many(audit, 5)
    anchors = read_anchors(audit.anchors.path)

    await tamper(audit.store, delete(audit_log).where(audit_log.c.id > rows[2].id))
    async with audit.store.engine.connect() as conn:
        alone = await verify_chain(conn, KEYRING)
        anchored = await verify_chain(conn, KEYRING, anchors=anchors)
        expected = await verify_chain(conn, KEYRING, expect_heads=[rows[-1].hash.upper()])
        kept = await verify_chain(conn, KEYRING, anchors=anchors[:3], expect_heads=[rows[2].hash])

    assert (alone.intact, alone.rows) == (True, 3)  # the chain alone cannot tell
    assert (anchored.intact, anchored.broken_id, anchored.rows) == (False, None, 3)
    assert anchored.problem is not None
    assert anchored.problem.startswith(
        f"the chain ends at row 3, but replica test-replica anchored row 5 ({rows[-1].hash}) at "
    )
    assert anchored.problem.endswith(f"({audit.anchors.path}:5): the newest rows were removed")
    assert (expected.intact, expected.broken_id) == (False, None)
    assert (kept.intact, kept.anchors) == (True, 3)


async def test_anchors_from_several_replicas_are_all_checked(
    audit: AuditLog, tmp_path: Path
) -> None:
    other = replace(audit, anchors=replace(audit.anchors, path=tmp_path / "b.jsonl", replica="b"))
    await log_many(audit, 2)
    newest = await other.append(entry(2))
    anchors = read_anchors(audit.anchors.path) + read_anchors(other.anchors.path)

    async with audit.store.engine.connect() as conn:
        intact = await verify_chain(conn, KEYRING, anchors=anchors)
    await tamper(audit.store, delete(audit_log).where(audit_log.c.id == newest.id))
    async with audit.store.engine.connect() as conn:
        truncated = await verify_chain(conn, KEYRING, anchors=anchors)

    assert (intact.intact, intact.anchors, intact.rows) == (True, 3, 3)
    assert truncated.problem is not None
    assert "replica b anchored row 3" in truncated.problem


def a_key(fill: int) -> ChainKey:
    secret = bytes([fill]) * 32
    return ChainKey(key_id(secret), secret)


async def test_a_rotated_key_verifies_and_an_unknown_key_is_named(audit: AuditLog) -> None:
    old, new = a_key(1), a_key(2)
    before = replace(audit, keyring=Keyring((old,), "before"))
    after = replace(audit, keyring=Keyring((old, new), "after"))
    rows = await log_many(before, 2) + await log_many(after, 2)

    async with audit.store.engine.connect() as conn:
        rotated = await verify_chain(conn, after.keyring)
        forgotten = await verify_chain(conn, Keyring((new,), "DESKHAND_AUDIT_KEY"))

    assert [row.key_id for row in rows] == [old.id, old.id, new.id, new.id]
    assert (rotated.intact, rotated.rows, rotated.legacy_rows) == (True, 4, 0)
    assert (forgotten.intact, forgotten.broken_id) == (False, rows[0].id)
    assert forgotten.problem == (
        f"it is signed with key {old.id}, which is not in the keyring (DESKHAND_AUDIT_KEY): add "
        "that key, or name the file holding it with --keys"
    )


async def test_rows_signed_with_another_key_under_the_same_id_do_not_verify(
    audit: AuditLog,
) -> None:
    impostor = ChainKey(AUDIT_KEY.id, bytes(32))
    rows = await log_many(replace(audit, keyring=Keyring((impostor,), "impostor")), 2)

    async with audit.store.engine.connect() as conn:
        report = await verify_chain(conn, KEYRING)

    assert (report.intact, report.broken_id, report.problem) == (False, rows[0].id, EDITED)


async def test_a_row_removed_by_a_key_holder_leaves_a_gap_in_the_sequence(audit: AuditLog) -> None:
    rows = await log_many(audit, 4)

    await tamper(
        audit.store,
        delete(audit_log).where(audit_log.c.id == rows[1].id),
        *forged(rows[2:], previous=rows[0].hash, unkeyed=False, key=AUDIT_KEY),
    )
    async with audit.store.engine.connect() as conn:
        report = await verify_chain(conn, KEYRING)

    assert (report.intact, report.broken_id) == (False, rows[2].id)
    assert report.problem == (
        "it says it is row 3 of the chain where row 2 was due: rows were removed before it"
    )
