from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Executable, delete, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from bot.store import AuditEntry, GraphRequestIds, Store, append_audit, list_audit, open_store
from bot.store.tables import audit_log
from tests.plugins.store import AUDIT_KEY

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


BASE = AuditEntry(
    actor="megan@msp.example",
    channel="slack",
    command="user",
    outcome="ok",
    correlation_id="",
    tenant="contoso",
    target="adele.vance@contoso.com",
)


def entry(minutes: int, **fields: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "correlation_id": f"req-{minutes}",
        "at": START + timedelta(minutes=minutes),
    }
    return replace(BASE, **(values | fields))


async def test_an_entry_round_trips_with_its_graph_request_ids(store: Store) -> None:
    ids = (GraphRequestIds("r-1", "c-1"), GraphRequestIds("r-2"))
    paris = timezone(timedelta(hours=1))
    written = entry(
        0,
        detail="Blocked sign-in",
        graph_request_ids=ids,
        at=datetime(2026, 3, 1, 10, 0, tzinfo=paris),
    )

    async with store.engine.begin() as conn:
        stored = await append_audit(conn, written, AUDIT_KEY)
    async with store.engine.connect() as conn:
        [listed] = await list_audit(conn)

    assert listed == stored
    assert stored.at == START
    assert stored.at.tzinfo is UTC
    assert stored.graph_request_ids == ids
    assert (stored.actor, stored.tenant, stored.detail) == (
        "megan@msp.example",
        "contoso",
        "Blocked sign-in",
    )


async def test_entries_are_stamped_now_and_detail_is_kept_short(store: Store) -> None:
    before = datetime.now(UTC)
    async with store.engine.begin() as conn:
        stored = await append_audit(conn, entry(0, at=None, detail="x" * 2000), AUDIT_KEY)

    assert stored.at >= before - timedelta(seconds=1)
    assert len(stored.detail) == 500


async def test_filters_combine_and_results_come_newest_first(store: Store) -> None:
    async with store.engine.begin() as conn:
        for minutes, fields in enumerate(
            [
                {},
                {"tenant": "fabrikam"},
                {"actor": "alex@msp.example"},
                {"target": "lynne.robbins@contoso.com"},
                {},
            ]
        ):
            await append_audit(conn, entry(minutes, **fields), AUDIT_KEY)

    async with store.engine.connect() as conn:
        contoso = await list_audit(conn, tenant="contoso")
        by_megan = await list_audit(conn, tenant="contoso", actor="megan@msp.example")
        on_adele = await list_audit(conn, target="adele.vance@contoso.com", since=START)
        recent = await list_audit(conn, since=START + timedelta(minutes=3))
        newest_two = await list_audit(conn, limit=2)

    assert [r.correlation_id for r in contoso] == ["req-4", "req-3", "req-2", "req-0"]
    assert [r.correlation_id for r in by_megan] == ["req-4", "req-3", "req-0"]
    assert [r.correlation_id for r in on_adele] == ["req-4", "req-2", "req-1", "req-0"]
    assert [r.correlation_id for r in recent] == ["req-4", "req-3"]
    assert [r.correlation_id for r in newest_two] == ["req-4", "req-3"]


@pytest.mark.parametrize(
    "change",
    [
        update(audit_log).values(outcome="ok", detail="rewritten"),
        delete(audit_log),
    ],
    ids=["update", "delete"],
)
async def test_the_audit_log_refuses_changes_and_deletions(
    store: Store, change: Executable
) -> None:
    async with store.engine.begin() as conn:
        await append_audit(conn, entry(0, outcome="denied"), AUDIT_KEY)

    with pytest.raises(IntegrityError, match="audit_log is append-only"):
        async with store.engine.begin() as conn:
            await conn.execute(change)

    async with store.engine.connect() as conn:
        [kept] = await list_audit(conn)
    assert (kept.outcome, kept.detail) == ("denied", "")


@pytest.mark.postgres
async def test_postgres_refuses_truncating_the_audit_log(postgres_url: str) -> None:
    async with await open_store(postgres_url) as store:
        with pytest.raises(IntegrityError, match="audit_log is append-only"):
            async with store.engine.begin() as conn:
                await conn.execute(text("TRUNCATE audit_log"))


async def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(StatementError, match="aware datetime"):
        async with store.engine.begin() as conn:
            await append_audit(conn, entry(0, at=datetime(2026, 3, 1, 9, 0)), AUDIT_KEY)


async def test_concurrent_appends_all_land(store: Store) -> None:
    async def append(number: int) -> int:
        async with store.engine.begin() as conn:
            return (await append_audit(conn, entry(number), AUDIT_KEY)).id

    ids = await asyncio.gather(*(append(number) for number in range(50)))

    async with store.engine.connect() as conn:
        stored = await list_audit(conn, limit=100)
    assert len(set(ids)) == 50
    assert sorted(r.id for r in stored) == sorted(ids)
    assert {r.correlation_id for r in stored} == {f"req-{n}" for n in range(50)}
