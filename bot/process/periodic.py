"""Background chores that repeat while Deskhand runs: expiring approvals, posting audit heads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import structlog

__all__ = ["repeating"]

log = structlog.get_logger("deskhand.periodic")


@asynccontextmanager
async def repeating(
    work: Callable[[], Awaitable[object]], *, every: float, name: str
) -> AsyncIterator[None]:
    """Runs `work` now and then every `every` seconds while the block runs; a failure is
    logged and the next round still comes."""

    async def loop() -> None:
        while True:
            try:
                await work()
            except Exception:
                log.exception("periodic.failed", chore=name)
            await asyncio.sleep(every)

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
