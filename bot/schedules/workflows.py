"""`deskhand.digest`: the workflow DBOS's scheduler starts for each due slot of a schedule;
`deskhand.snapshots`: the one it starts each day for the built-in `deskhand:snapshots`.

A run's id is DBOS's own for the slot (`sched-digest:NAME-SLOT`), the same on every replica and
in the catch-up run (`bot.schedules.book`), so a slot runs once. A digest's steps: prepare (run
the command, record the reply, plan the messages), one send per message in list order (so a
replayed run numbers its checkpoints the same), then report. Arguments and results are ids and
states.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dbos import DBOS, SetWorkflowID

from bot.schedules.host import DIGEST_QUEUE, Prepared, current_schedule_host

__all__ = ["digest_workflow", "enqueue_now", "run_here", "snapshots_workflow"]


@DBOS.step(name="deskhand.digest.prepare")
async def _prepare(run_id: str, slot: str, definition: dict[str, Any]) -> Prepared:
    return await current_schedule_host().prepare(run_id, slot, definition)


@DBOS.step(name="deskhand.digest.send")
async def _send(run_id: str, key: str) -> str:
    return await current_schedule_host().send(run_id, key)


@DBOS.step(name="deskhand.digest.report")
async def _report(run_id: str, definition: dict[str, Any]) -> dict[str, str]:
    return await current_schedule_host().report(run_id, definition)


@DBOS.workflow(name="deskhand.digest")
async def digest_workflow(scheduled_at: datetime, context: dict[str, Any]) -> None:
    """What became of the run is in the ledger (`digest_runs`, `digest_sends`)."""
    run_id = DBOS.workflow_id
    assert run_id is not None, "DBOS names every workflow it runs"
    prepared = await _prepare(run_id, scheduled_at.isoformat(), context)
    if prepared["state"] != "ready":
        return
    for key in prepared["keys"]:
        await _send(run_id, str(key))
    await _report(run_id, context)


@DBOS.step(name="deskhand.snapshots.take")
async def _take_snapshots() -> dict[str, int]:
    return await current_schedule_host().take_snapshots()


@DBOS.workflow(name="deskhand.snapshots")
async def snapshots_workflow(scheduled_at: datetime, context: dict[str, Any]) -> None:
    """The day's snapshots of every tenant (`bot.schedules.snapshots`); its id is DBOS's for
    the slot (`sched-deskhand:snapshots-SLOT`), so a day's slot runs once across replicas.
    Figures are read when the step runs: a late (caught-up) run records that day's.
    `context` is DBOS's for every scheduled workflow; this one needs nothing from it. The
    counts are the step's result, which DBOS keeps."""
    await _take_snapshots()


async def enqueue_now(run_id: str, at: datetime, definition: dict[str, Any]) -> str:
    """A run outside the schedule, on the digest queue: a server picks it up."""
    with SetWorkflowID(run_id):
        queue = await DBOS.retrieve_queue_async(DIGEST_QUEUE)
        assert queue is not None, "registered when schedules start"
        handle = await queue.enqueue_async(digest_workflow, at, definition)
    return handle.get_workflow_id()


async def run_here(run_id: str, at: datetime, definition: dict[str, Any]) -> None:
    """A run outside the schedule in this process, waited for (the console's run-now)."""
    with SetWorkflowID(run_id):
        handle = await DBOS.start_workflow_async(digest_workflow, at, definition)
    await handle.get_result(polling_interval_sec=0.05)
