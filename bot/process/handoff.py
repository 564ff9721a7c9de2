"""Where a chat request goes after its ack: `Handoff`, and `InProcess`, the one that runs it in
this process's work group.

A hand-off takes a request as a string of JSON (what the channel needs to serve it later) and
never blocks the ack: `has_room` says whether a slash command may be taken, `submit` queues it.
`bot.process.workers.WorkerPool` is the other kind: it runs requests in worker processes at a lower
CPU priority, so the process that acks never shares its event loop with the commands. A
durable queue (DBOS) could stand in for either: `submit` is an enqueue of a serialisable
payload, and the work itself is one function of that payload.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any, Protocol

from bot.process.tasks import WorkGroup

__all__ = ["Handoff", "InProcess", "Serve"]

Serve = Callable[[str], Coroutine[Any, Any, None]]
"""The work itself: serve one request from its payload."""


class Handoff(Protocol):
    @property
    def has_room(self) -> bool:
        """False when the backlog is full or shutdown has begun: tell the person to retry."""
        ...

    @property
    def running(self) -> int:
        """Requests accepted and not finished yet (waiting or running)."""
        ...

    def submit(
        self,
        payload: str,
        done: Callable[[], None] | None = None,
        *,
        ready: asyncio.Future[None] | None = None,
    ) -> None:
        """Queue a request; `done` is called once it has finished (or will never run). It is
        not served before `ready` is done (its inbox row written, `bot.process.inbox`).
        Raises RuntimeError once shutdown has begun."""
        ...

    def broadcast(self, payload: str) -> None:
        """Give a request to every process that serves them (news each must hear, such as a
        changed account); nothing waits for it, and after shutdown has begun it is dropped."""
        ...

    async def drain(self, grace: float) -> None:
        """Stop taking requests and let those accepted finish, for up to `grace` seconds."""
        ...


class InProcess:
    """Requests run in this process's work group, on its event loop."""

    def __init__(self, work: WorkGroup, serve: Serve, *, name: str) -> None:
        self._work = work
        self._serve = serve
        self._name = name

    @property
    def has_room(self) -> bool:
        return self._work.has_room

    @property
    def running(self) -> int:
        return self._work.running

    def submit(
        self,
        payload: str,
        done: Callable[[], None] | None = None,
        *,
        ready: asyncio.Future[None] | None = None,
    ) -> None:
        try:
            self._work.spawn(self._served(payload, done, ready), name=self._name)
        except RuntimeError:
            if done is not None:
                done()
            raise

    async def _served(
        self,
        payload: str,
        done: Callable[[], None] | None,
        ready: asyncio.Future[None] | None,
    ) -> None:
        try:
            if ready is not None:
                await ready
            await self._serve(payload)
        finally:
            if done is not None:
                done()

    def broadcast(self, payload: str) -> None:
        with suppress(RuntimeError):  # shutdown has begun: nobody is left to tell
            self._work.spawn(self._serve(payload), name=self._name)

    async def drain(self, grace: float) -> None:
        await self._work.drain(grace)
