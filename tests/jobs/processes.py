"""Deskhand processes on one home and store, against a sandbox in the test's own process.

The sandbox runs here (its request log is read afterwards, and it outlives every Deskhand
process); each Deskhand process reaches it as a configured tenant over HTTPS, as in
tests/e2e/test_two_servers.py. A process is started with a fixed DBOS executor id and, when a
test needs a dead process noticed quickly, a short lease (`DESKHAND_LEASE_SECONDS`). Its output
goes to a file under the home, which a failing test shows.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.sandbox_process import stop_process
from bot.store import Store
from bot.store.jobs import StepRow, load_steps
from commands.kit.steps import StepState
from sandbox import RecordedRequest, Sandbox

__all__ = [
    "Deskhand",
    "action_of",
    "kill",
    "mid_job",
    "settled",
    "steps_of",
    "succeeded",
    "unfinished",
]

ROOT = Path(__file__).resolve().parents[2]
CLI = "from bot.operator.cli import main; main()"
LIMIT = 90.0
"""Seconds a job may take to start, be killed, recovered and finish on the slow sandbox."""
ENDED = ("done", "partial", "failed", "unknown")


@dataclass(frozen=True)
class Deskhand:
    """One home and store shared by every process a test starts."""

    home: Path
    store_url: str
    sandbox: Sandbox

    def configure(self) -> None:
        tenant = self.sandbox.tenant("contoso")
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "deskhand.toml").write_text(
            f"""
store_url = "{self.store_url}"
graph_host = "{self.sandbox.url}"
login_host = "{self.sandbox.url}"
exchange_host = "{self.sandbox.url}"
ca_bundle = "{self.sandbox.ca_file}"

[tenants.contoso]
tenant_id = "{tenant.tenant_id}"
domain = "{tenant.domain}"
client_id = "{tenant.client_id}"
client_secret_env = "CONTOSO_CLIENT_SECRET"
"""
        )

    def environment(self, executor: str, lease: float | None) -> dict[str, str]:
        settings = {
            "DESKHAND_HOME": str(self.home),
            "DESKHAND_CONFIG": str(self.home / "deskhand.toml"),
            "DESKHAND_EXECUTOR_ID": executor,
            "CONTOSO_CLIENT_SECRET": self.sandbox.tenant("contoso").client_secret,
        }
        if lease is not None:
            settings["DESKHAND_LEASE_SECONDS"] = str(lease)
        return {**os.environ, **settings}

    @asynccontextmanager
    async def process(
        self, executor: str, *arguments: str, lease: float | None = None
    ) -> AsyncIterator[asyncio.subprocess.Process]:
        """`deskhand ARGUMENTS` in a process of its own, stopped (if still running) on exit."""
        log = self.home / f"{executor}-{arguments[0]}.log"
        with log.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                CLI,
                *arguments,
                cwd=ROOT,
                env=self.environment(executor, lease),
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )
        try:
            yield process
        finally:
            await stop_process(process)

    def serve(
        self, executor: str, *, lease: float | None = None
    ) -> AbstractAsyncContextManager[asyncio.subprocess.Process]:
        return self.process(
            executor,
            "serve",
            "--host=127.0.0.1",
            "--port=0",
            "--metrics-port=0",
            lease=lease,
        )

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.home.glob("*.log"))


async def action_of(store: Store) -> tuple[str, str] | None:
    """The one action in the store: its id and state."""
    async with store.engine.connect() as conn:
        row = (await conn.execute(text("SELECT id, state FROM pending_actions"))).first()
    return (str(row[0]), str(row[1])) if row else None


async def steps_of(store: Store, action_id: str) -> list[StepRow]:
    async with store.engine.connect() as conn:
        return await load_steps(conn, action_id)


async def mid_job(store: Store, process: asyncio.subprocess.Process) -> str:
    """Waits until the job runs with some steps done and others not yet; its action id."""
    async with asyncio.timeout(LIMIT):
        while process.returncode is None:
            found = await action_of(store)
            if found is not None and found[1] == "running":
                rows = await steps_of(store, found[0])
                done = [row for row in rows if row.state is StepState.DONE]
                if done and len(done) < len(rows):
                    return found[0]
            await asyncio.sleep(0.05)  # a polling interval, not a wait for something to happen
    raise AssertionError(f"the process ended ({process.returncode}) before its job ran")


async def kill(process: asyncio.subprocess.Process) -> None:
    """`kill -9`: no clean-up, no lease given up."""
    process.kill()
    await process.wait()


async def settled(store: Store, action_id: str, limit: float = LIMIT) -> str:
    """The action's state once it has ended."""
    async with asyncio.timeout(limit):
        while True:
            found = await action_of(store)
            if found is not None and found[0] == action_id and found[1] in ENDED:
                return found[1]
            await asyncio.sleep(0.1)


def unfinished(rows: Iterable[StepRow]) -> dict[str, str]:
    """Steps that are neither done nor skipped, with their state and error."""
    return {
        row.key: f"{row.state.value}: {row.error}"
        for row in rows
        if row.state not in (StepState.DONE, StepState.SKIPPED)
    }


def succeeded(requests: Iterable[RecordedRequest], method: str, path_end: str) -> dict[str, int]:
    """How many times each path ending in `path_end` answered 2xx to `method`."""
    counts: dict[str, int] = {}
    for request in requests:
        if request.method == method and request.path.endswith(path_end) and request.status < 300:
            counts[request.path] = counts.get(request.path, 0) + 1
    return counts
