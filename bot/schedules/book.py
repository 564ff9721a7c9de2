"""The digest schedules (`commands.kit.services.ScheduleBook`), kept in DBOS's schedule table.

Each is the DBOS schedule `digest:NAME` of the workflow `deskhand.digest`, on the digest queue,
its definition the schedule's context, DBOS's `automatic_backfill` off (it would send every
missed slot). Instead, when a server starts, `catch_up` enqueues one run for each schedule's
latest slot that did not fire, under the id DBOS's scheduler gives that slot
(`sched-digest:NAME-SLOT`): replicas starting together enqueue it once, and older missed slots
are not sent. DBOS is launched on first use, so a console pays for it only for /schedule.

Beside them a server keeps the built-in `deskhand:snapshots` (`bot.schedules.snapshots`, the
workflow `deskhand.snapshots`) at `[digests] snapshot_cron` in `snapshot_tz`, on the same queue
and caught up the same way; its name is outside the `digest:` prefix, so /schedule never lists,
removes or runs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import structlog
from pydantic import ValidationError

from bot.config.schedules import ScheduleSettings
from bot.jobs.service import Jobs
from bot.schedules.definitions import (
    Owner,
    ScheduleDefinition,
    derived_name,
    latest_slot,
    next_slot,
    user_error,
)
from bot.schedules.host import DIGEST_QUEUE
from bot.store import Store
from bot.store.digests import DigestRun, SendState, last_runs, load_run, run_sends
from commands.kit.digests import DigestDefaults
from commands.kit.services import NewSchedule, ScheduleView
from core.errors import ConfigurationError, NotFound, UserError
from core.identity import Actor

if TYPE_CHECKING:
    from dbos import WorkflowSchedule

__all__ = ["PREFIX", "SNAPSHOTS", "Schedules", "configured_definition"]

log = structlog.get_logger("deskhand.schedules")

PREFIX = "digest:"
"""DBOS schedule names of digests: `digest:NAME`."""
SNAPSHOTS = "deskhand:snapshots"
"""The DBOS schedule of the daily snapshots."""


def configured_definition(entry: ScheduleSettings, now: datetime) -> ScheduleDefinition:
    """A `[[schedules]]` entry as a definition; ConfigurationError naming it when invalid."""
    name = entry.name or derived_name(entry.command)
    owner = Owner(id=entry.owner, name=entry.owner, email=entry.owner if "@" in entry.owner else "")
    try:
        return ScheduleDefinition(
            name=name,
            command=entry.command,
            cron=entry.cron,
            tz=entry.tz,
            recipients=entry.to,
            owner=owner,
            source="config",
            created_at=now,
        )
    except ValidationError as error:
        raise ConfigurationError(f"schedule {name}: {user_error(error).message}") from None
    except UserError as error:
        raise ConfigurationError(f"schedule {name}: {error.message}") from None


@dataclass
class Schedules:
    jobs: Jobs
    store: Store
    serves: bool
    """This process runs the digest queue (`deskhand serve`): run-now enqueues there; anywhere
    else it runs here and waits."""
    configured: Sequence[ScheduleSettings] = ()
    digests: DigestDefaults = field(default_factory=DigestDefaults)
    """`snapshot_cron` and `snapshot_tz`: when the daily snapshots are taken."""
    _ready: bool = field(default=False, init=False, repr=False)

    async def ensure(self) -> None:
        """DBOS launched, with the digest workflow and queue known to it."""
        if self._ready and self.jobs.started:
            return
        import bot.schedules.workflows  # noqa: F401  (registers the workflow with DBOS)

        await self.jobs.ensure()
        from dbos import DBOS

        await DBOS.register_queue_async(DIGEST_QUEUE, polling_interval_sec=1.0)
        self._ready = True

    async def start(self, now: datetime) -> list[str]:
        """A server's start: sync the configured schedules and the daily snapshots' one, then
        catch up; the runs enqueued."""
        await self.ensure()
        await self.sync(now)
        await self.keep_snapshots(now)
        return await self.catch_up(now)

    # -- ScheduleBook --------------------------------------------------------------------------

    async def add(
        self,
        new: NewSchedule,
        owner: Actor,
        *,
        channel: str,
        return_address: Mapping[str, str],
        now: datetime,
    ) -> ScheduleView:
        try:
            definition = ScheduleDefinition(
                name=new.name or derived_name(new.command),
                command=new.command,
                cron=new.cron,
                tz=new.tz,
                recipients=new.recipients,
                owner=Owner(
                    id=owner.id,
                    name=owner.display_name,
                    email=owner.email,
                    channel=channel,
                    return_address=dict(return_address),
                ),
                created_at=now,
            )
        except ValidationError as error:
            raise user_error(error) from None
        await self.ensure()
        if await self._stored(definition.name) is not None:
            raise UserError(
                f"A schedule called {definition.name} exists: remove it first, or give --name."
            )
        await self._apply([definition])
        return _view(definition, now, None)

    async def listing(self, now: datetime) -> Sequence[ScheduleView]:
        stored = await self._all()
        async with self.store.engine.connect() as conn:
            runs = await last_runs(conn, [definition.name for definition, _ in stored])
            results = {name: await _result(conn, run) for name, run in runs.items()}
        return [
            _view(definition, now, runs.get(definition.name), results.get(definition.name, ""))
            for definition, _ in sorted(stored, key=lambda pair: pair[0].name)
        ]

    async def remove(self, name: str) -> ScheduleView:
        definition = await self._known(name)
        if definition.source == "config":
            raise UserError(f"{name} comes from deskhand.toml: remove it there.")
        from dbos import DBOS

        await DBOS.delete_schedule_async(definition.dbos_name)
        return _view(definition, datetime.now(definition.zone), None)

    async def run_now(self, name: str, now: datetime) -> str:
        definition = await self._known(name)
        from bot.schedules.workflows import enqueue_now, run_here

        run_id = f"sched-{definition.dbos_name}-now-{now.isoformat()}"
        context = definition.model_dump(mode="json")
        if self.serves:
            await enqueue_now(run_id, now, context)
            return f"{name} is running now; its recipients get it in a moment."
        await run_here(run_id, now, context)
        async with self.store.engine.connect() as conn:
            run = await load_run(conn, run_id)
            result = await _result(conn, run) if run else "it did not start"
        if run is None or run.outcome != "ready":
            raise UserError(f"{name} did not run: {result.removeprefix('stopped: ')}")
        return f"{name} ran: {result or 'no messages'}."

    # -- configuration and catch-up ------------------------------------------------------------

    async def sync(self, now: datetime) -> None:
        """Configured schedules: created when missing, replaced when changed, removed when
        gone from the file; those made in chat are left as they are."""
        wanted = {d.name: d for d in (configured_definition(e, now) for e in self.configured)}
        stored = {definition.name: definition for definition, _ in await self._all()}
        changed = [
            definition
            for name, definition in wanted.items()
            if name not in stored or _differs(stored[name], definition)
        ]
        if changed:
            await self._apply(changed)
        from dbos import DBOS

        for name, definition in stored.items():
            if definition.source == "config" and name not in wanted:
                await DBOS.delete_schedule_async(definition.dbos_name)
        log.info("schedules.synced", changed=len(changed), configured=len(wanted))

    async def keep_snapshots(self, now: datetime) -> None:
        """`deskhand:snapshots` created when missing and replaced when its cron or time zone
        changed; its context keeps when it was first made, for the catch-up."""
        from dbos import DBOS

        from bot.schedules.workflows import snapshots_workflow

        cron, tz = self.digests.snapshot_cron, self.digests.snapshot_tz
        stored = await DBOS.get_schedule_async(SNAPSHOTS)
        if stored is not None and (stored["schedule"], stored["cron_timezone"]) == (cron, tz):
            return
        made = stored["context"]["created_at"] if stored is not None else now.isoformat()
        await DBOS.apply_schedules_async(
            [
                {
                    "schedule_name": SNAPSHOTS,
                    "workflow_fn": snapshots_workflow,
                    "schedule": cron,
                    "context": {"created_at": made},
                    "automatic_backfill": False,
                    "cron_timezone": tz,
                    "queue_name": DIGEST_QUEUE,
                }
            ]
        )
        log.info("schedules.snapshots_kept", cron=cron, tz=tz)

    async def catch_up(self, now: datetime) -> list[str]:
        """One run for each schedule whose latest slot did not fire (this process or all were
        down then), under that slot's own workflow id; older missed slots are not sent."""
        from dbos import DBOS

        enqueued: list[str] = []
        for due in await self._dues():
            slot = latest_slot(due.cron, due.zone, now)
            if due.fired is not None and datetime.fromisoformat(due.fired) >= slot:
                continue
            if due.fired is None and due.created_at > slot:
                continue  # made after that slot: nothing was missed
            # DBOS's window is exclusive at both ends; slots are whole seconds apart at least.
            handles = await asyncio.to_thread(
                DBOS.backfill_schedule,
                due.dbos_name,
                slot - timedelta(seconds=1),
                slot + timedelta(seconds=1),
            )
            enqueued += [handle.get_workflow_id() for handle in handles]
        if enqueued:
            log.info("schedules.caught_up", runs=enqueued)
        return enqueued

    async def _dues(self) -> list[_Due]:
        """What the catch-up needs of each digest schedule and of the snapshots' one."""
        from dbos import DBOS

        dues = [
            _Due(d.dbos_name, d.cron, d.zone, d.created_at, stored["last_fired_at"])
            for d, stored in await self._all()
        ]
        daily = await DBOS.get_schedule_async(SNAPSHOTS)
        if daily is not None:
            dues.append(
                _Due(
                    SNAPSHOTS,
                    daily["schedule"],
                    ZoneInfo(daily["cron_timezone"] or "UTC"),
                    datetime.fromisoformat(daily["context"]["created_at"]),
                    daily["last_fired_at"],
                )
            )
        return dues

    # -- DBOS's schedule table -----------------------------------------------------------------

    async def _apply(self, definitions: Sequence[ScheduleDefinition]) -> None:
        await self.ensure()
        from dbos import DBOS

        from bot.schedules.workflows import digest_workflow

        await DBOS.apply_schedules_async(
            [
                {
                    "schedule_name": definition.dbos_name,
                    "workflow_fn": digest_workflow,
                    "schedule": definition.cron,
                    "context": definition.model_dump(mode="json"),
                    "automatic_backfill": False,
                    "cron_timezone": definition.tz,
                    "queue_name": DIGEST_QUEUE,
                }
                for definition in definitions
            ]
        )

    async def _all(self) -> list[tuple[ScheduleDefinition, WorkflowSchedule]]:
        await self.ensure()
        from dbos import DBOS

        stored = await DBOS.list_schedules_async(schedule_name_prefix=PREFIX)
        return [(ScheduleDefinition.model_validate(s["context"]), s) for s in stored]

    async def _stored(self, name: str) -> ScheduleDefinition | None:
        await self.ensure()
        from dbos import DBOS

        stored = await DBOS.get_schedule_async(f"{PREFIX}{name}")
        return ScheduleDefinition.model_validate(stored["context"]) if stored else None

    async def _known(self, name: str) -> ScheduleDefinition:
        definition = await self._stored(name)
        if definition is None:
            raise NotFound(f"There is no schedule called {name}. See /schedule list.")
        return definition


@dataclass(frozen=True)
class _Due:
    """A DBOS schedule as the catch-up sees it."""

    dbos_name: str
    cron: str
    zone: tzinfo
    created_at: datetime
    fired: str | None
    """DBOS's `last_fired_at`: the latest slot its scheduler started, if any."""


def _differs(stored: ScheduleDefinition, wanted: ScheduleDefinition) -> bool:
    exclude = {"created_at"}
    return stored.model_dump(exclude=exclude) != wanted.model_dump(exclude=exclude)


def _view(
    definition: ScheduleDefinition, now: datetime, run: DigestRun | None, result: str = ""
) -> ScheduleView:
    return ScheduleView(
        name=definition.name,
        command=definition.command,
        cron=definition.cron,
        tz=definition.tz,
        recipients=definition.recipients,
        owner=definition.owner.email or definition.owner.id,
        source=definition.source,
        next_run=next_slot(definition, now),
        last_run=run.slot.astimezone(definition.zone) if run else None,
        last_result=result,
    )


async def _result(conn: Any, run: DigestRun) -> str:
    """ "3 sent, 1 unknown", or why the run stopped."""
    if run.outcome != "ready":
        return run.outcome
    counts: dict[str, int] = {}
    rows = await run_sends(conn, run.run_id)
    for row in rows:
        counts[row.state.value] = counts.get(row.state.value, 0) + 1
    order = [state.value for state in SendState]
    summary = ", ".join(f"{counts[state]} {state}" for state in order if state in counts)
    # What went wrong, per message: a count alone leaves the operator guessing.
    trouble = [f"{row.recipient}: {row.detail}" for row in rows if row.detail]
    return "; ".join([summary, *trouble])
