"""The host of this process's workflows: what each step of `deskhand.action` does
(`bot.approvals.execution.ActionJobs`), registered while DBOS runs here.

Apart from `bot.jobs.workflows` so that nothing imports DBOS before jobs start: importing it
costs half a second that a reading command should not pay.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = [
    "DELAYED_QUEUE",
    "JobHost",
    "Outcome",
    "current_host",
    "serve_jobs",
    "stop_serving",
]

Outcome = dict[str, str]
"""A step's or a workflow's result as DBOS keeps it: `{"state": ..., "detail": ...}`."""

DELAYED_QUEUE = "deskhand-later"


class JobHost(Protocol):
    async def begin(self, action_id: str) -> str:
        """Moves the action to running: "run", also when it was running already (its process
        stopped), or "closed" (decided otherwise meanwhile)."""
        ...

    async def plan_rounds(self, action_id: str) -> dict[str, object]:
        """`{"mode": "one-go"}` for a command that makes its change in one go; `{"mode":
        "steps", "rounds": [[key, ...], ...]}` for a job, its step rows stored; `{"mode":
        "stopped"}` when it cannot start (the target changed: the action is settled)."""
        ...

    async def execute(self, action_id: str, decider: Mapping[str, str]) -> Outcome:
        """Runs a one-go command, settles the action, and tells whoever should know. Run
        again after a crash, it finds the writes the first run sent on the action's row."""
        ...

    async def run_step(self, action_id: str, key: str) -> Outcome: ...

    async def finish(self, action_id: str, decider: Mapping[str, str]) -> Outcome:
        """Settles a job from its steps; `delete_after_days` in the outcome asks for a later
        deletion."""
        ...

    async def reopen(self, action_id: str, keys: list[str]) -> dict[str, object]:
        """For a retry: moves the action and the named failed steps (with those that were not
        run because of them) back; the keys to run round by round, as `plan_rounds` says."""
        ...

    async def delete_later(self, action_id: str) -> Outcome: ...


_host: JobHost | None = None


def serve_jobs(host: JobHost) -> None:
    global _host
    _host = host


def stop_serving() -> None:
    global _host
    _host = None


def current_host() -> JobHost:
    if _host is None:
        raise RuntimeError("no job host in this process: bot.jobs.host.serve_jobs first")
    return _host
