"""Deskhand's own task group: work handed off after an ack keeps a reference until it ends,
and shutdown waits for it instead of cutting commands off halfway."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

__all__ = ["WorkGroup"]

log = structlog.get_logger("deskhand.tasks")


class WorkGroup:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run `work` in the background; refuses new work once shutdown has begun."""
        if self._closing:
            work.close()
            raise RuntimeError("Deskhand is shutting down; no new work is accepted")
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def drain(self, grace: float) -> None:
        """Stop taking work, wait up to `grace` seconds for what runs, then cancel the rest."""
        self._closing = True
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            log.warning("work.cancelled_at_shutdown", task=task.get_name())
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("work.failed", task=task.get_name(), exc_info=task.exception())
