from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.store import Store
from bot.store.trends import StoreTrends
from commands.kit.services import Snapshot

DAY = date(2026, 12, 7)


def snapshot(
    day: date, coverage: float, without: tuple[str, ...] = (), tenant: str = "contoso"
) -> Snapshot:
    taken = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    return Snapshot(
        tenant=tenant,
        kind="mfa",
        day=day,
        metrics={"mfa_coverage_pct": coverage, "without_mfa": float(len(without))},
        flagged={"without_mfa": without},
        taken_at=taken,
    )


async def test_a_snapshot_round_trips(store: Store) -> None:
    trends = StoreTrends(store)
    await trends.record(snapshot(DAY, 82.5, ("a@contoso.com", "b@contoso.com")))

    (stored,) = await trends.history("contoso", "mfa", DAY)
    assert stored == snapshot(DAY, 82.5, ("a@contoso.com", "b@contoso.com"))


async def test_the_same_day_again_replaces_its_snapshot(store: Store) -> None:
    trends = StoreTrends(store)
    await trends.record(snapshot(DAY, 80.0))
    await asyncio.gather(*(trends.record(snapshot(DAY, 90.0)) for _ in range(4)))

    history = await trends.history("contoso", "mfa", DAY - timedelta(days=30))
    assert [s.metrics["mfa_coverage_pct"] for s in history] == [90.0]


async def test_previous_is_the_latest_day_before_the_one_asked(store: Store) -> None:
    trends = StoreTrends(store)
    for offset, coverage in ((9, 70.0), (2, 75.0), (0, 80.0)):
        await trends.record(snapshot(DAY - timedelta(days=offset), coverage))
    await trends.record(snapshot(DAY - timedelta(days=1), 10.0, tenant="fabrikam"))

    previous = await trends.previous("contoso", "mfa", DAY)
    assert previous is not None
    assert (previous.day, previous.metrics["mfa_coverage_pct"]) == (DAY - timedelta(days=2), 75.0)
    assert await trends.previous("contoso", "mfa", DAY - timedelta(days=9)) is None
    assert await trends.previous("contoso", "inactive", DAY) is None


async def test_history_is_oldest_first_from_the_day_given(store: Store) -> None:
    trends = StoreTrends(store)
    for offset in (40, 20, 10, 0):
        await trends.record(snapshot(DAY - timedelta(days=offset), 100.0 - offset))

    history = await trends.history("contoso", "mfa", DAY - timedelta(days=30))
    assert [s.day for s in history] == [DAY - timedelta(days=d) for d in (20, 10, 0)]
