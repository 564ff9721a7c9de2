"""`kill -9` mid-job: the job is finished by the next process, and no change is made twice.

An /offboard runs from `deskhand run --yes` against a slow sandbox (every request waits), so
it can be killed with some steps done and others running. Then either the same executor id
comes back as `deskhand serve` (DBOS recovers its own work at launch), or another replica,
alive all along, claims the dead one's expired lease and recovers its workflow. Either way the
job ends with every step done or skipped, and the sandbox's request log shows each change
answered with success at most once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import Store, open_store
from sandbox import RecordedRequest, Sandbox, SandboxOptions, start_sandbox
from tests.jobs.processes import (
    Deskhand,
    kill,
    mid_job,
    settled,
    steps_of,
    succeeded,
    unfinished,
)
from tests.jobs.tables import dbos_table
from tests.plugins.store import postgres_server_url

ADELE = "adele.vance@contoso.com"
OFFBOARD = f"/offboard {ADELE} --reason T-1"
LATENCY = 0.25
"""Seconds every sandbox request waits: the job takes seconds, long enough to kill mid-run."""


@pytest.fixture
async def slow_sandbox() -> AsyncIterator[Sandbox]:
    async with start_sandbox(SandboxOptions(latency=LATENCY)) as sandbox:
        yield sandbox


def _deskhand(home: Path, store_url: str, sandbox: Sandbox) -> Deskhand:
    deskhand = Deskhand(home, store_url, sandbox)
    deskhand.configure()
    return deskhand


def _executor(name: str) -> str:
    """Unique per test: every PostgreSQL test shares DBOS's schema, and recovery is by id."""
    return f"test-{name}-{secrets.token_hex(4)}"


async def _assert_finished_once(store: Store, action_id: str, state: str, sandbox: Sandbox) -> None:
    assert (state, unfinished(await steps_of(store, action_id))) == ("done", {})
    _assert_each_change_once(sandbox, sandbox.tenant("contoso").directory.upn_index[ADELE])


def _assert_each_change_once(sandbox: Sandbox, adele: str) -> None:
    answered = [r for r in sandbox.requests if r.tenant == "contoso"]
    patches = [r for r in answered if r.method == "PATCH" and r.path.endswith(f"/users/{adele}")]
    blocks = [r for r in patches if r.body == {"accountEnabled": False} and r.status < 300]
    resets = [r for r in patches if "passwordProfile" in (r.body or {}) and r.status < 300]
    assert (len(blocks), len(resets)) == (1, 1)
    assert succeeded(answered, "POST", f"/users/{adele}/assignLicense") == {
        f"/v1.0/users/{adele}/assignLicense": 1
    }
    removals = succeeded(answered, "DELETE", f"/{adele}/$ref")
    assert removals and set(removals.values()) == {1}, removals
    cmdlets = _changes_in_exchange(answered)
    assert cmdlets and set(cmdlets.values()) == {1}, cmdlets


def _changes_in_exchange(answered: list[RecordedRequest]) -> dict[str, int]:
    """Each Exchange change (a cmdlet that is not Get-, with its parameters) made, and how
    many times it succeeded."""
    made: dict[str, int] = {}
    for request in answered:
        if not request.path.endswith("/InvokeCommand") or request.status >= 300:
            continue
        cmdlet = (request.body or {}).get("CmdletInput", {})
        if str(cmdlet.get("CmdletName", "")).lower().startswith("get-"):
            continue
        key = json.dumps(cmdlet, sort_keys=True)
        made[key] = made.get(key, 0) + 1
    return made


async def test_a_job_killed_mid_run_is_finished_by_its_restarted_process_once(
    tmp_path: Path, store: Store, store_url: str, slow_sandbox: Sandbox
) -> None:
    deskhand = _deskhand(tmp_path / "home", store_url, slow_sandbox)
    executor = _executor("restart")

    async with deskhand.process(executor, "run", "--yes", OFFBOARD) as run:
        action_id = await mid_job(store, run)
        await kill(run)
    halfway = [row.key for row in await steps_of(store, action_id) if row.state.value == "done"]
    async with deskhand.serve(executor):
        state = await settled(store, action_id)

    assert halfway, deskhand.logs()
    await _assert_finished_once(store, action_id, state, slow_sandbox)


@pytest.mark.postgres
async def test_a_replica_recovers_the_job_of_a_replica_killed_mid_run(
    tmp_path: Path, postgres_url: str, slow_sandbox: Sandbox
) -> None:
    postgres_server_url()  # skips, saying why, when PostgreSQL is not configured
    store = await open_store(postgres_url)
    try:
        deskhand = _deskhand(tmp_path / "home", postgres_url, slow_sandbox)
        survivor, victim = _executor("survivor"), _executor("victim")

        async with deskhand.serve(survivor, lease=2.0):
            async with deskhand.process(victim, "run", "--yes", OFFBOARD, lease=2.0) as run:
                action_id = await mid_job(store, run)
                await kill(run)
            state = await settled(store, action_id)

        await _assert_finished_once(store, action_id, state, slow_sandbox)
        async with store.engine.connect() as conn:
            ran_by = await conn.scalar(
                text(
                    f"SELECT executor_id FROM {dbos_table(store, 'workflow_status')} "
                    "WHERE workflow_uuid = :id"
                ),
                {"id": action_id},
            )
        assert ran_by == survivor
    finally:
        await store.close()
