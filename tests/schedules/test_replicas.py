"""Digest schedules across processes on PostgreSQL: replicas serving one schedule send each due
slot once; replicas starting after downtime send the latest missed slot once and no older one;
a replica killed mid-send leaves its message neither lost nor sent twice where the channel can
be checked, and reported unknown (never sent again) where it cannot."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import load_settings
from bot.process.runtime import open_runtime
from bot.schedules.book import Schedules
from bot.store import Store, open_store
from bot.store.digests import SendRow, SendState
from commands.kit.services import NewSchedule
from core.identity import Actor
from tests.jobs.processes import kill
from tests.jobs.tables import dbos_table
from tests.schedules.replicas import OWNER, Ledger, Replicas, ledger, until

pytestmark = pytest.mark.postgres

NAME = "often"
RECIPIENTS = ["#it-managers", "ada@example.com"]
KEYS = {"slack_channel:#it-managers", "mail:ada@example.com"}
HALTED = "slack_channel:#it-managers"
EVERY_TWO_SECONDS = {"name": NAME, "command": "/tenants", "cron": "*/2 * * * * *", "to": RECIPIENTS}


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[Store]:
    """The store, migrated before any replica starts (replicas do not race to migrate)."""
    opened = await open_store(postgres_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def replicas(tmp_path: Path, postgres_url: str) -> Replicas:
    return Replicas(tmp_path / "home", postgres_url)


def _executor(name: str) -> str:
    return f"test-{name}-{secrets.token_hex(4)}"


def _sent_once(found: Ledger, rows: list[SendRow]) -> bool:
    return all(row.state is SendState.SENT and found.times_sent(row) == 1 for row in rows)


async def test_two_replicas_send_each_due_slot_once(replicas: Replicas, store: Store) -> None:
    replicas.configure([EVERY_TWO_SECONDS])
    async with replicas.serving(_executor("a"), _executor("b")):

        async def three_slots_sent() -> bool:
            found = await ledger(store, replicas.record)
            return len({row.slot for row in found.sends if row.state is SendState.SENT}) >= 3

        await until(three_slots_sent)
    found = await ledger(store, replicas.record)
    assert found.unledgered() == [], replicas.logs()
    assert {row.recipient for row in found.sends} == KEYS
    sent = [row for row in found.sends if row.state is SendState.SENT]
    assert _sent_once(found, sent), found.recorded
    # A run the replicas were stopped in the middle of may have messages not sent yet.
    assert set(found.states()) <= {SendState.SENT, SendState.PLANNED}, found.states()


async def test_replicas_starting_after_downtime_send_only_the_latest_missed_slot_once(
    replicas: Replicas, store: Store, postgres_url: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    missed = now - timedelta(seconds=1)
    daily = f"{missed.second} {missed.minute} {missed.hour} * * *"
    replicas.configure([])
    # Made in chat two days ago: today's slot and yesterday's passed while no server ran.
    settings = load_settings(home=replicas.home, store_url=postgres_url, tenants={})
    async with open_runtime(settings) as runtime:
        book = runtime.contexts.schedules
        assert isinstance(book, Schedules)
        new = NewSchedule("/tenants", daily, "UTC", tuple(RECIPIENTS), NAME)
        owner = Actor(OWNER, "Tess", OWNER)
        await book.add(new, owner, channel="", return_address={}, now=now - timedelta(days=2))
    async with replicas.serving(_executor("b"), _executor("c")):

        async def caught_up() -> bool:
            found = await ledger(store, replicas.record)
            return len(found.sends) == len(KEYS) and _sent_once(found, found.sends)

        await until(caught_up)
    found = await ledger(store, replicas.record)
    assert found.slots(NAME) == [missed], replicas.logs()
    assert len(found.recorded) == len(KEYS)
    async with store.engine.connect() as conn:
        runs = await conn.execute(
            text(f"SELECT workflow_uuid FROM {dbos_table(store, 'workflow_status')}")
        )
        assert list(runs.scalars()) == [f"sched-digest:{NAME}-{missed.isoformat()}"]


@pytest.mark.parametrize(
    ("halt", "find", "recovery", "ends", "times_sent"),
    [
        ("before", "", "replica", SendState.SENT, 1),
        ("after", "", "restart", SendState.SENT, 1),
        ("after", "unknown", "replica", SendState.UNKNOWN, 1),
        ("before", "unknown", "restart", SendState.UNKNOWN, 0),
    ],
)
async def test_a_replica_killed_mid_send_neither_loses_nor_repeats_the_message(
    replicas: Replicas,
    store: Store,
    halt: str,
    find: str,
    recovery: str,
    ends: SendState,
    times_sent: int,
) -> None:
    """Killed with the ledger row "sending", the message not yet out (before) or out (after);
    then another replica takes over the dead one's lease, or the same one restarts."""
    replicas.configure([EVERY_TWO_SECONDS])
    victim = _executor("victim")
    deliverer = {"DIGEST_HALT": f"{HALTED} {halt}", "DIGEST_FIND": find}
    async with replicas.serving(victim, lease=1.0, **deliverer) as (process,):
        await until(lambda: replicas.record.with_suffix(".halted").exists())
        found = await ledger(store, replicas.record)
        halted = [r for r in found.sends if r.recipient == HALTED and r.state is SendState.SENDING]
        assert len(halted) == 1, found.sends
        await kill(process)
    survivor = victim if recovery == "restart" else _executor("survivor")
    async with replicas.serving(survivor, lease=1.0, DIGEST_FIND=find):

        async def ended() -> bool:
            found = await ledger(store, replicas.record)
            return all(row.state is not SendState.SENDING for row in found.sends)

        await until(ended)
    found = await ledger(store, replicas.record)
    row = next(r for r in found.sends if (r.slot, r.recipient) == (halted[0].slot, HALTED))
    assert (row.state, found.times_sent(row)) == (ends, times_sent), replicas.logs()
    assert found.unledgered() == []
    assert all(found.times_sent(r) <= 1 for r in found.sends), found.recorded
    # Every other message of every slot went out once, or (a send the kill cut short on a
    # channel that cannot be checked) is reported unknown.
    others = [r for r in found.sends if r != row and r.state is not SendState.PLANNED]
    assert all(
        (r.state is SendState.SENT and found.times_sent(r) == 1)
        or (r.state is SendState.UNKNOWN and find == "unknown")
        for r in others
    ), others
