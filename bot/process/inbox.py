"""`Inbox`: every chat request acknowledged is written down until it has been answered, so a
process that dies holding requests leaves a row for each (`bot.process.lost_work` tells their
people).

Writes are batched so the ack stays cheap: `record` queues a row and returns the batch's
future, which a hand-off awaits before serving the request (an answer's delete can never
come before its row); `answered` queues a delete. A batch is written `every` seconds (50 ms)
in one transaction. So a request acknowledged and then lost is in the inbox afterwards unless
its process died within the flush window between its ack and its batch's write; an answer
delivered less than that before a crash may leave its row, and its person is told it was not
answered.

Where a request's outcome becomes durable elsewhere, its row is no longer needed: the job
engine that takes over a confirmed or approved action calls `answered(request_id)` once the
action has been handed to it (the request id is the `Invocation`'s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime

import structlog
from sqlalchemy.exc import SQLAlchemyError

from bot.approvals.cards import parse_action
from bot.store import Store
from bot.store.inbox import InboxEntry, forget_entries, record_entries
from commands.kit.registry import Registry

__all__ = ["FLUSH_EVERY", "Inbox", "click_summary", "typed_summary"]

log = structlog.get_logger("deskhand.inbox")

FLUSH_EVERY = 0.05
_SUMMARY_LIMIT = 200


class Inbox:
    def __init__(self, store: Store, owner: str, *, every: float = FLUSH_EVERY) -> None:
        """`owner` is this process's executor id (`bot.jobs.engine.executor_id`)."""
        self.owner = owner
        self._store = store
        self._every = every
        self._rows: list[InboxEntry] = []
        self._answered: list[str] = []
        self._written: asyncio.Future[None] | None = None
        self._flusher: asyncio.Task[None] | None = None

    def record(
        self,
        request_id: str,
        *,
        channel: str,
        person: str,
        person_name: str,
        summary: str,
        return_address: Mapping[str, str],
    ) -> asyncio.Future[None]:
        """Queue the row of a request just acknowledged; the future is done once it is
        written (or its write failed, which is logged: the request is served all the same)."""
        self._rows.append(
            InboxEntry(
                request_id,
                self.owner,
                channel,
                person,
                person_name,
                summary[:_SUMMARY_LIMIT],
                return_address,
                datetime.now(UTC),
            )
        )
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        written = self._written
        self._flush_soon()
        return written

    def answered(self, request_id: str) -> None:
        """The request's answer (or its error message) was delivered: its row goes."""
        self._answered.append(request_id)
        self._flush_soon()

    async def close(self) -> None:
        """Write what is queued."""
        if self._flusher is not None:
            await self._flusher
        await self._flush()

    def _flush_soon(self) -> None:
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_while_queued())

    async def _flush_while_queued(self) -> None:
        try:
            while self._rows or self._answered:
                await asyncio.sleep(self._every)
                await self._flush()
        finally:
            self._flusher = None

    async def _flush(self) -> None:
        rows, self._rows = self._rows, []
        answered, self._answered = self._answered, []
        written, self._written = self._written, None
        try:
            if rows or answered:
                async with self._store.engine.begin() as conn:
                    await record_entries(conn, rows)
                    await forget_entries(conn, answered)
        except SQLAlchemyError as error:
            # The requests are served all the same; only their durability is lost.
            log.error(
                "inbox.write_failed",
                error=type(error).__name__,
                recorded=len(rows),
                answered=len(answered),
            )
        finally:
            if written is not None and not written.done():
                written.set_result(None)


def typed_summary(registry: Registry, line: str) -> str:
    """What a typed request is recorded as: the line as typed, with its slash; only the
    command's name when the command takes a secret, and only the first word when it names no
    command (a mistyped secret command may still carry its password)."""
    words = line.split()
    if not words:
        return "/help"
    name = words[0].lstrip("/").lower()
    spec, _ = registry.find(name, words[1:2])
    if spec is None:
        return f"/{name}"[:_SUMMARY_LIMIT]
    if spec.secrets:
        return f"/{spec.name}"
    return f"/{line.strip().lstrip('/')}"[:_SUMMARY_LIMIT]


def click_summary(action: str, *, form: bool = False) -> str:
    """What a click or a form submission is recorded as: the decision on a pending action it
    stands for (`approve 1a2b`), else what it was."""
    decision = parse_action(action)
    if decision is not None:
        action_id, verb = decision
        return f"{verb} {action_id}"
    return "a form you submitted" if form else "a button you clicked"
