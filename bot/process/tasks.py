"""Deskhand's own task group: work handed off after an ack keeps a reference until it ends,
and shutdown waits for it instead of cutting commands off halfway."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

__all__ = ["Shares", "WorkGroup"]

log = structlog.get_logger("deskhand.tasks")


class WorkGroup:
    """At most `limit` pieces of work run at once and at most `backlog` wait their turn, so a
    burst of commands cannot crowd out the acks the event loop owes the chat platforms; past
    that, `has_room` is false and channels tell people to try again."""

    def __init__(self, limit: int = 4, backlog: int = 256) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._slots = asyncio.Semaphore(limit)
        self._capacity = limit + backlog

    @property
    def has_room(self) -> bool:
        return not self._closing and len(self._tasks) < self._capacity

    def spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run `work` in the background; refuses new work once shutdown has begun."""
        if self._closing:
            work.close()
            raise RuntimeError("Deskhand is shutting down; no new work is accepted")
        task = asyncio.get_running_loop().create_task(self._in_turn(work), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    async def _in_turn(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            async with self._slots:
                await work
        finally:
            work.close()  # work cancelled while waiting for a slot never started

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


class Shares:
    """How many requests each person has accepted and not finished, so one person's burst
    cannot take the whole backlog: past `each`, their next request is refused ("wait") while
    everyone else's are still taken, up to the global bound."""

    def __init__(self, each: int) -> None:
        self.each = each
        self._held: Counter[str] = Counter()

    def held(self, who: str) -> int:
        return self._held[who]

    def full(self, who: str) -> bool:
        return self._held[who] >= self.each

    def take(self, who: str) -> Callable[[], None]:
        """Count one more request for `who`; call what is returned when it has finished."""
        self._held[who] += 1
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if not given_back:
                given_back = True
                self._held[who] -= 1
                if self._held[who] <= 0:
                    del self._held[who]

        return give_back
