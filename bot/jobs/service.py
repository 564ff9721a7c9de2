"""Jobs as the rest of Deskhand sees them: start an action's workflow, wait for it, retry steps.

DBOS and the workflows are imported only once jobs start (`bot.jobs.host` says why).

A server launches DBOS when it starts (it recovers its own jobs and the dead's at once). The
console and `deskhand run` launch it the first time they run an action, or at start when a dead
process left jobs behind, so reading commands never pay for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.jobs.engine import JobEngine
from bot.jobs.host import DELAYED_QUEUE, JobHost, Outcome, serve_jobs, stop_serving

__all__ = ["Jobs", "stop_process_jobs"]

_launched: list[Jobs] = []
"""DBOS is one per process: the jobs service that launched it, while it runs."""


async def stop_process_jobs() -> None:
    """Stops whatever launched DBOS in this process (a test's desk left running, say)."""
    if _launched:
        await _launched[0].close()


@dataclass
class Jobs:
    engine: JobEngine
    host: JobHost
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def started(self) -> bool:
        return bool(_launched) and _launched[0] is self

    async def ensure(self) -> None:
        async with self._lock:
            if self.started:
                return
            if _launched:
                raise RuntimeError("DBOS already runs in this process for another runtime")
            # The workflows are registered with DBOS as their module is imported: now.
            from dbos import DBOS

            import bot.jobs.workflows  # noqa: F401

            serve_jobs(self.host)
            try:
                await self.engine.start()
                await DBOS.register_queue_async(DELAYED_QUEUE, polling_interval_sec=5.0)
            except BaseException:
                stop_serving()
                raise
            _launched.append(self)

    async def start_action(self, action_id: str, decider: Mapping[str, str]) -> str:
        await self.ensure()
        from bot.jobs.workflows import start_action

        return await start_action(action_id, decider)

    async def retry(
        self, action_id: str, keys: list[str], decider: Mapping[str, str], attempt: int
    ) -> str:
        await self.ensure()
        from bot.jobs.workflows import start_retry

        return await start_retry(action_id, keys, decider, attempt)

    async def outcome(self, workflow_id: str) -> Outcome:
        from bot.jobs.workflows import result_of

        return await result_of(workflow_id)

    async def cancel(self, workflow_id: str) -> None:
        await self.ensure()
        from dbos import DBOS

        await DBOS.cancel_workflow_async(workflow_id)

    async def close(self) -> None:
        if not self.started:
            return
        try:
            await self.engine.close()
        finally:
            _launched.clear()
            stop_serving()
