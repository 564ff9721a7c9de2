"""What each step of a digest run does: run the schedule's command as its owner, record the
reply, and send each message once.

Sending is a step, and steps run at least once. So the ledger row says "sending" before the
message goes out, and the message carries a mark unique to (schedule, slot, key). A step that
starts again and finds "sending" asks the deliverer whether a message with that mark went out:
sent → recorded as sent; not sent → sent now; cannot tell (Teams) → recorded as unknown and the
owner told, never sent twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from bot.approvals.notify import Notifiers
from bot.pipeline.invocation import Invocation
from bot.pipeline.router import Router
from bot.schedules.definitions import Owner, ScheduleDefinition
from bot.schedules.delivery import Deliverer, Found
from bot.schedules.host import Prepared
from bot.schedules.recipients import parse_recipient, recipient_key
from bot.schedules.replies import dump_reply, load_reply
from bot.schedules.snapshots import Taken
from bot.store import Store
from bot.store.digests import (
    DigestRun,
    SendRow,
    SendState,
    load_run,
    load_send,
    move_send,
    plan_sends,
    run_sends,
    save_run,
)
from cards.reply import Level, Notice, Reply
from core.errors import DeskhandError

__all__ = ["DigestRunner", "message_mark"]

log = structlog.get_logger("deskhand.schedules")

NOT_KNOWN_SENT = (SendState.UNKNOWN, SendState.FAILED)


def _now() -> datetime:
    return datetime.now(UTC)


def message_mark(schedule: str, slot: datetime, key: str) -> str:
    """Short and stable: the same on every replica and every attempt."""
    text = f"{schedule}\n{slot.astimezone(UTC).isoformat()}\n{key}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class DigestRunner:
    """`bot.schedules.host.ScheduleHost` on this process's router, store and deliverer."""

    router: Router
    store: Store
    deliverer: Deliverer
    notifiers: Notifiers
    snapshots: Callable[[datetime], Awaitable[Taken]]
    """`bot.schedules.snapshots.take_snapshots` on this process's tenants, store and settings."""
    clock: Callable[[], datetime] = _now

    async def prepare(self, run_id: str, slot: str, definition: dict[str, Any]) -> Prepared:
        schedule = ScheduleDefinition.model_validate(definition)
        at = datetime.fromisoformat(slot)
        invocation = Invocation(
            channel="scheduler",
            actor=schedule.owner.actor,
            text=schedule.command,
            return_address=schedule.owner.return_address,
        )
        # The router checks the owner's roles now, not when the schedule was made.
        reply = await self.router.handle(invocation)
        if reply.failed:
            await self._record(
                DigestRun(
                    run_id,
                    schedule.name,
                    at,
                    dump_reply(reply),
                    f"stopped: {_said(reply)}",
                    self.clock(),
                ),
                [],
            )
            await self._tell(schedule.owner, _stopped(schedule, at, reply))
            return {"state": "stopped"}
        rows: dict[str, SendRow] = {}
        for text in schedule.recipients:
            recipient = parse_recipient(text)
            try:
                expanded = await self.deliverer.expand(recipient, reply, reply.tenant)
            except DeskhandError as error:
                # One recipient that cannot be worked out (no mail set up for `managers`)
                # fails alone, on the ledger, and the others still get theirs.
                key = recipient_key(recipient)
                rows[key] = SendRow(
                    schedule.name,
                    at,
                    key,
                    run_id,
                    SendState.FAILED,
                    detail=error.message[:500],
                    ended_at=self.clock(),
                )
                continue
            for key, message in expanded:
                rows.setdefault(
                    key,
                    SendRow(schedule.name, at, key, run_id, SendState.PLANNED, dump_reply(message)),
                )
        run = DigestRun(run_id, schedule.name, at, dump_reply(reply), "ready", self.clock())
        await self._record(run, list(rows.values()))
        return {"state": "ready", "keys": list(rows)}

    async def send(self, run_id: str, key: str) -> str:
        async with self.store.engine.connect() as conn:
            run = await load_run(conn, run_id)
            row = await load_send(conn, run.schedule, run.slot, key) if run else None
        if run is None or row is None:
            raise RuntimeError(f"digest run {run_id} has no planned message {key}")
        if row.state not in (SendState.PLANNED, SendState.SENDING):
            return row.state.value  # ended already: a replayed step changes nothing
        mark = message_mark(run.schedule, run.slot, key)
        if row.state is SendState.SENDING:
            found = await self.deliverer.find(key, mark, since=row.started_at or run.created_at)
            if found is Found.SENT:
                return await self._end(row, SendState.SENT, "found sent after a restart")
            if found is Found.UNKNOWN:
                return await self._end(row, SendState.UNKNOWN, "may have gone out before a restart")
        else:
            await self._move(row, SendState.SENDING, (SendState.PLANNED,), started_at=self.clock())
        try:
            sent = await self.deliverer.send(key, load_reply(row.reply), mark)
        except DeskhandError as error:
            return await self._end(row, SendState.FAILED, error.message)
        except Exception:
            log.exception("digest.send_crashed", run_id=run_id, key=key)
            return await self._end(row, SendState.UNKNOWN, "the send ended in an internal error")
        return await self._end(row, SendState.SENT, "", message_ref=dict(sent.ref))

    async def report(self, run_id: str, definition: dict[str, Any]) -> dict[str, str]:
        schedule = ScheduleDefinition.model_validate(definition)
        async with self.store.engine.connect() as conn:
            rows = await run_sends(conn, run_id)
        counts = {state.value: 0 for state in SendState}
        for row in rows:
            counts[row.state.value] += 1
        missed = [row for row in rows if row.state in NOT_KNOWN_SENT]
        if missed:
            await self._tell(schedule.owner, _missed(schedule, missed))
        state = "partial" if missed else "done"
        return {"state": state, **{name: str(count) for name, count in counts.items() if count}}

    async def take_snapshots(self) -> dict[str, int]:
        taken = await self.snapshots(self.clock())
        return taken.counts()

    async def _record(self, run: DigestRun, rows: list[SendRow]) -> None:
        async with self.store.engine.begin() as conn:
            await save_run(conn, run)
            await plan_sends(conn, rows)

    async def _move(
        self, row: SendRow, to: SendState, leaving: tuple[SendState, ...], **values: Any
    ) -> bool:
        async with self.store.engine.begin() as conn:
            return await move_send(
                conn, row.schedule, row.slot, row.recipient, to, leaving=leaving, **values
            )

    async def _end(self, row: SendRow, to: SendState, detail: str, **values: Any) -> str:
        await self._move(
            row, to, (SendState.SENDING,), detail=detail[:500], ended_at=self.clock(), **values
        )
        return to.value

    async def _tell(self, owner: Owner, reply: Reply) -> None:
        notifier = self.notifiers.get(owner.channel)
        if notifier is None:
            log.warning("digest.owner_untold", owner=owner.id, reason="no notifier")
            return
        try:
            await notifier.tell(owner.return_address, reply)
        except DeskhandError as error:
            log.warning("digest.owner_untold", owner=owner.id, reason=error.message)


def _said(reply: Reply) -> str:
    notices = [block.text for block in reply.blocks if isinstance(block, Notice)]
    return (notices[0] if notices else reply.title or "it failed")[:300]


def _stopped(schedule: ScheduleDefinition, at: datetime, reply: Reply) -> Reply:
    text = (
        f"Schedule {schedule.name} did not send its {at:%Y-%m-%d %H:%M} digest: "
        f"{schedule.command} answered: {_said(reply)}"
    )
    return Reply(blocks=(Notice(Level.WARNING, text),), level=Level.WARNING, private=True)


def _missed(schedule: ScheduleDefinition, rows: list[SendRow]) -> Reply:
    lines = [
        f"{row.recipient}: "
        + (
            "it may or may not have gone out; check there before sending it again"
            if row.state is SendState.UNKNOWN
            else f"not sent ({row.detail})"
        )
        for row in rows
    ]
    text = f"Schedule {schedule.name}'s digest did not reach everyone:\n" + "\n".join(lines)
    return Reply(blocks=(Notice(Level.WARNING, text),), level=Level.WARNING, private=True)
