"""The daily snapshots: every tenant's three digests recorded from one read each, a failing
tenant skipped, the built-in `deskhand:snapshots` schedule kept by a server's start (and not
listed by /schedule), and its caught-up run going through the digest queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime, open_runtime
from bot.schedules.book import SNAPSHOTS, Schedules
from bot.schedules.definitions import latest_slot
from bot.schedules.snapshots import Taken, take_snapshots
from commands.kit.digests import DigestDefaults
from commands.kit.services import Snapshot, TrendBook
from commands.queries.digests import DigestKind
from core.errors import ConfigurationError
from sandbox.options import Fault
from tests.plugins.runtime import OPERATOR
from tests.schedules.test_schedule_commands import RecordingDeliverer

KINDS = [kind.value for kind in DigestKind]


async def _take(runtime: Runtime, now: datetime) -> Taken:
    contexts = runtime.contexts
    assert contexts.trends is not None
    return await take_snapshots(
        contexts.tenants, contexts.trends, runtime.settings.digests, contexts.products.name, now
    )


async def _day(trends: TrendBook, tenant: str, day: date) -> dict[str, Snapshot]:
    """The tenant's snapshots of that day, by kind."""
    found = {}
    for kind in KINDS:
        for snapshot in await trends.history(tenant, kind, day):
            if snapshot.day == day:
                found[kind] = snapshot
    return found


async def _ask(runtime: Runtime, text: str) -> object:
    reply = await runtime.router.handle(Invocation(channel="console", actor=OPERATOR, text=text))
    assert not reply.failed, reply.blocks
    return reply.data


async def test_every_tenant_gets_one_snapshot_per_kind_equal_to_the_digests(
    runtime: Runtime,
) -> None:
    now = datetime.now(UTC)
    taken = await _take(runtime, now)

    assert taken == Taken(tenants=2, snapshots=6, failed=())
    trends = runtime.contexts.trends
    assert trends is not None
    for tenant in ("contoso", "fabrikam"):
        recorded = await _day(trends, tenant, now.date())
        assert sorted(recorded) == sorted(KINDS)
        for kind in ("mfa", "inactive", "licenses"):
            # The command's own read of one kind finds the same figures and people: no change.
            data = await _ask(runtime, f"/digest {kind} --tenant {tenant}")
            assert isinstance(data, dict)
            assert dict(recorded[kind].metrics) == data["metrics"], (tenant, kind)
    fabrikam = await _day(trends, "fabrikam", now.date())
    # No Entra ID P1: MFA from each user's methods; no sign-in activity, so nobody is known
    # to be inactive and only blocked accounts count as waste.
    assert fabrikam["mfa"].metrics == {"mfa_coverage_pct": 80.0, "without_mfa": 1.0}
    assert fabrikam["mfa"].flagged["enforced_not_registered"] == ("ben.walters@fabrikam.com",)
    assert fabrikam["inactive"].metrics == {"inactive": 0.0}
    assert set(fabrikam["licenses"].metrics) == {"wasted_seats", "waste_cost"}


async def test_a_tenant_that_cannot_be_read_is_skipped_and_the_others_recorded(
    runtime: Runtime,
) -> None:
    assert runtime.sandbox is not None
    runtime.sandbox.inject(
        "fabrikam", Fault("unavailable", count=100, path="/users", retry_after=0)
    )
    now = datetime.now(UTC)

    taken = await _take(runtime, now)

    assert taken == Taken(tenants=1, snapshots=3, failed=("fabrikam",))
    assert taken.counts() == {"tenants": 1, "snapshots": 3, "failed": 1}
    trends = runtime.contexts.trends
    assert trends is not None
    assert sorted(await _day(trends, "contoso", now.date())) == sorted(KINDS)
    assert await _day(trends, "fabrikam", now.date()) == {}


@asynccontextmanager
async def _server(home: Path, digests: DigestDefaults) -> AsyncIterator[Runtime]:
    settings = load_settings(home=home, tenants={}, digests=digests)
    async with open_runtime(
        settings, operators=(OPERATOR,), role="serve", deliverer=RecordingDeliverer()
    ) as runtime:
        yield runtime


def _book(runtime: Runtime) -> Schedules:
    book = runtime.contexts.schedules
    assert isinstance(book, Schedules)
    return book


async def _built_in() -> list[tuple[str, str, str | None, str | None, bool]]:
    from dbos import DBOS

    stored = await DBOS.list_schedules_async(schedule_name_prefix="deskhand:")
    return [
        (
            s["schedule_name"],
            s["schedule"],
            s["cron_timezone"],
            s["queue_name"],
            s["automatic_backfill"],
        )
        for s in stored
    ]


async def test_a_server_keeps_one_built_in_schedule_that_schedule_list_does_not_show(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    async with _server(home, DigestDefaults()) as runtime:
        assert await _built_in() == [(SNAPSHOTS, "0 5 * * *", "UTC", "deskhand-digests", False)]
        assert await _ask(runtime, "/schedule list") == []
    async with _server(home, DigestDefaults()) as runtime:
        assert await _built_in() == [(SNAPSHOTS, "0 5 * * *", "UTC", "deskhand-digests", False)]
    changed = DigestDefaults(snapshot_cron="30 6 * * *", snapshot_tz="Europe/Amsterdam")
    async with _server(home, changed) as runtime:
        assert await _built_in() == [
            (SNAPSHOTS, "30 6 * * *", "Europe/Amsterdam", "deskhand-digests", False)
        ]
        assert await _ask(runtime, "/schedule list") == []


async def test_a_server_started_after_a_missed_slot_takes_that_days_snapshots_once(
    tmp_path: Path,
) -> None:
    from dbos import DBOS, WorkflowHandleAsync

    home = tmp_path / "home"
    async with _server(home, DigestDefaults()) as runtime:
        # As if the schedule had been made two days ago and every server was down since.
        await DBOS.delete_schedule_async(SNAPSHOTS)
        await _book(runtime).keep_snapshots(datetime.now(UTC) - timedelta(days=2))
    async with _server(home, DigestDefaults()) as runtime:
        now = datetime.now(UTC)
        slot = latest_slot("0 5 * * *", UTC, now)
        run_id = f"sched-{SNAPSHOTS}-{slot.isoformat()}"
        handle: WorkflowHandleAsync[None] = await DBOS.retrieve_workflow_async(run_id)
        await handle.get_result(polling_interval_sec=0.1)
        trends = runtime.contexts.trends
        assert trends is not None
        for tenant in ("contoso", "fabrikam"):
            assert sorted(await _day(trends, tenant, now.date())) == sorted(KINDS)
        # Again (another replica starting): the same slot's id, not a second run.
        assert await _book(runtime).catch_up(now) == [run_id]
        steps = await DBOS.list_workflow_steps_async(run_id)
        assert [step["function_name"] for step in steps] == ["deskhand.snapshots.take"]


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [("snapshot_cron", "0 25 * * *", "not a cron schedule"), ("snapshot_tz", "Mars/X", "IANA")],
)
def test_a_bad_snapshot_time_is_refused_with_what_to_write(
    tmp_path: Path, key: str, value: str, says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        load_settings(home=tmp_path, tenants={}, digests={key: value})
