"""Digest-serving Deskhand processes (`tests/schedules/replica.py`) on one home and store, and
what a test reads afterwards: the send ledger and the recording deliverer's file.

Each process gets its own DBOS executor id and, when a test needs a killed one noticed quickly,
a short lease. Its output goes to a file under the home, which a failing test shows.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bench.sandbox_process import stop_process
from bot.schedules.running import message_mark
from bot.store import Store
from bot.store.digests import DigestRun, SendRow, SendState, load_run, run_sends
from bot.store.tables import digest_runs
from tests.schedules.recording import recorded
from tests.schedules.replica import READY

__all__ = ["LIMIT", "Ledger", "Replicas", "ledger", "until"]

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 45.0
"""Seconds a test may wait for processes to start and digests to go out."""
OWNER = "tess@msp.example"


@dataclass(frozen=True)
class Replicas:
    """One home, store and recording shared by every process a test starts."""

    home: Path
    store_url: str

    @property
    def record(self) -> Path:
        return self.home / "sent.jsonl"

    def configure(self, schedules: Sequence[Mapping[str, object]]) -> None:
        """deskhand.toml: the store, and `[[schedules]]` owned by OWNER (the embedded sandbox
        lets any verified person run its read-only commands)."""
        self.home.mkdir(parents=True, exist_ok=True)
        lines = [f'store_url = "{self.store_url}"']
        for entry in schedules:
            lines += ["", "[[schedules]]", f'owner = "{OWNER}"']
            lines += [f"{key} = {_toml(value)}" for key, value in entry.items()]
        (self.home / "deskhand.toml").write_text("\n".join(lines) + "\n")

    @asynccontextmanager
    async def serving(
        self, *executors: str, lease: float | None = None, **deliverer: str
    ) -> AsyncIterator[list[asyncio.subprocess.Process]]:
        """Replicas started together, yielded once all serve; stopped (if still running) on
        exit. `deliverer`: the recording deliverer's settings (`DIGEST_FIND`, `DIGEST_HALT`)."""
        async with AsyncExitStack() as stack:
            processes = [
                await stack.enter_async_context(self._process(executor, lease, deliverer))
                for executor in executors
            ]
            for executor, process in zip(executors, processes, strict=True):
                log = self.home / f"{executor}.log"
                await until(lambda: _said(log, READY) or process.returncode is not None)  # noqa: B023
                assert process.returncode is None, f"{executor} exited:\n{self.logs()}"
            yield processes

    @asynccontextmanager
    async def _process(
        self, executor: str, lease: float | None, deliverer: Mapping[str, str]
    ) -> AsyncIterator[asyncio.subprocess.Process]:
        environment = {
            **os.environ,
            "DESKHAND_HOME": str(self.home),
            "DESKHAND_CONFIG": str(self.home / "deskhand.toml"),
            "DESKHAND_EXECUTOR_ID": executor,
            "DIGEST_RECORD": str(self.record),
            **deliverer,
        }
        if lease is not None:
            environment["DESKHAND_LEASE_SECONDS"] = str(lease)
        with (self.home / f"{executor}.log").open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.schedules.replica",
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )
        try:
            yield process
        finally:
            await stop_process(process)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in self.home.glob("*.log"))


@dataclass(frozen=True)
class Ledger:
    """The digest runs and messages in the store, and what the deliverer recorded sending."""

    runs: list[DigestRun]
    sends: list[SendRow]
    recorded: list[dict[str, str]]

    def slots(self, schedule: str) -> list[datetime]:
        return sorted(run.slot for run in self.runs if run.schedule == schedule)

    def times_sent(self, row: SendRow) -> int:
        """How many times the deliverer sent this message (its mark)."""
        mark = message_mark(row.schedule, row.slot, row.recipient)
        wanted = (row.recipient, mark)
        return sum(1 for sent in self.recorded if (sent["key"], sent["mark"]) == wanted)

    def unledgered(self) -> list[dict[str, str]]:
        """Messages sent that no ledger row accounts for."""
        marks = {(r.recipient, message_mark(r.schedule, r.slot, r.recipient)) for r in self.sends}
        return [sent for sent in self.recorded if (sent["key"], sent["mark"]) not in marks]

    def states(self) -> dict[SendState, int]:
        counts: dict[SendState, int] = {}
        for row in self.sends:
            counts[row.state] = counts.get(row.state, 0) + 1
        return counts


async def ledger(store: Store, record: Path) -> Ledger:
    runs: list[DigestRun] = []
    sends: list[SendRow] = []
    async with store.engine.connect() as conn:
        for run_id in (await conn.execute(select(digest_runs.c.run_id))).scalars():
            run = await load_run(conn, run_id)
            assert run is not None
            runs.append(run)
            sends += await run_sends(conn, run_id)
    return Ledger(runs, sends, recorded(record))


async def until(check: Callable[[], Awaitable[bool] | bool], limit: float = LIMIT) -> None:
    """Returns once `check()` is true; fails the test after `limit` seconds."""
    async with asyncio.timeout(limit):
        while True:
            result = check()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await asyncio.sleep(0.1)  # a polling interval, not a wait for something to happen


def _said(log: Path, line: str) -> bool:
    return log.exists() and line in log.read_text(errors="replace")


def _toml(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    assert isinstance(value, list | tuple)
    return "[" + ", ".join(_toml(item) for item in value) + "]"
