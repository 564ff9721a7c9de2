"""The host of this process's digest runs: what each step of `deskhand.digest` and of
`deskhand.snapshots` does (`bot.schedules.running.DigestRunner`), registered while DBOS runs
here.

Apart from `bot.schedules.workflows` so that nothing imports DBOS before jobs start
(`bot.jobs.host` says why).
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = [
    "DIGEST_QUEUE",
    "Prepared",
    "ScheduleHost",
    "current_schedule_host",
    "serve_schedules",
    "stop_serving_schedules",
]

DIGEST_QUEUE = "deskhand-digests"
"""The queue DBOS's scheduler puts digest runs and the daily snapshots on; only `deskhand
serve` listens to it, so a schedule never fires in a console."""

Prepared = dict[str, Any]
"""`{"state": "ready", "keys": [message key, ...]}` or `{"state": "stopped"}`: ids only, since
DBOS stores step results."""


class ScheduleHost(Protocol):
    async def prepare(self, run_id: str, slot: str, definition: dict[str, Any]) -> Prepared:
        """Runs the schedule's command as its owner, records the reply, and plans one ledger
        row per message; "stopped" (the owner told) when the command failed or was refused."""
        ...

    async def send(self, run_id: str, key: str) -> str:
        """Sends one planned message once; the ledger state it ends in."""
        ...

    async def report(self, run_id: str, definition: dict[str, Any]) -> dict[str, str]:
        """Counts the run's messages by state, telling the owner of any not known sent."""
        ...

    async def take_snapshots(self) -> dict[str, int]:
        """Records today's snapshot of every digest for every tenant (`deskhand.snapshots`);
        the tenants, snapshots and failed tenants counted."""
        ...


_host: ScheduleHost | None = None


def serve_schedules(host: ScheduleHost) -> None:
    global _host
    _host = host


def stop_serving_schedules() -> None:
    global _host
    _host = None


def current_schedule_host() -> ScheduleHost:
    if _host is None:
        raise RuntimeError("no schedule host in this process: serve_schedules first")
    return _host
