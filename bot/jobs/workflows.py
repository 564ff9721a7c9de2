"""The workflows DBOS runs, and how Deskhand starts them.

Every confirmed or approved action is the workflow `deskhand.action`, whose id is the action's
id: starting it twice attaches to the one already started, and after a crash DBOS runs it again
from its last checkpoint. Its steps are the host's (`JobHost`, the approvals desk's side of a
run): begin, then either one `execute` (a command that makes its change in one go) or the job's
steps round by round (`commands.kit.steps.waves`), then `finish`. Arguments, step results and
workflow results hold ids and states only, never a secret: DBOS stores all of them.

The host is per process (DBOS itself is), registered by `bot.jobs.service` (`bot.jobs.host`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from dbos import DBOS, SetEnqueueOptions, SetWorkflowID, WorkflowHandleAsync

from bot.jobs.host import DELAYED_QUEUE, Outcome, current_host

__all__ = ["action_workflow", "result_of", "start_action", "start_retry"]


@DBOS.step(name="deskhand.begin")
async def _begin(action_id: str) -> str:
    return await current_host().begin(action_id)


@DBOS.step(name="deskhand.plan")
async def _plan(action_id: str) -> dict[str, object]:
    return await current_host().plan_rounds(action_id)


@DBOS.step(name="deskhand.execute")
async def _execute(action_id: str, decider: dict[str, str]) -> Outcome:
    return await current_host().execute(action_id, decider)


@DBOS.step(name="deskhand.step")
async def _run_step(action_id: str, key: str) -> Outcome:
    return await current_host().run_step(action_id, key)


@DBOS.step(name="deskhand.finish")
async def _finish(action_id: str, decider: dict[str, str]) -> Outcome:
    return await current_host().finish(action_id, decider)


@DBOS.step(name="deskhand.reopen")
async def _reopen(action_id: str, keys: list[str]) -> dict[str, object]:
    return await current_host().reopen(action_id, keys)


@DBOS.step(name="deskhand.delete")
async def _delete(action_id: str) -> Outcome:
    return await current_host().delete_later(action_id)


def _keys(planned: dict[str, object]) -> list[list[str]]:
    rounds = planned.get("rounds")
    return [list(map(str, keys)) for keys in rounds] if isinstance(rounds, list) else []


async def _rounds(action_id: str, rounds: list[list[str]]) -> None:
    # gather starts the steps of a round in list order, so their checkpoints are numbered the
    # same on every run: what replay after a crash relies on.
    for keys in rounds:
        await asyncio.gather(*(_run_step(action_id, key) for key in keys))


async def _settle_job(action_id: str, decider: dict[str, str]) -> Outcome:
    outcome = await _finish(action_id, decider)
    days = float(outcome.get("delete_after_days") or 0)
    if days > 0:
        # A wait of days is a delayed enqueue, not a sleep inside this workflow: a sleeping
        # workflow would be orphaned by a version change.
        with SetWorkflowID(f"{action_id}-delete"), SetEnqueueOptions(delay_seconds=days * 86400):
            queue = await DBOS.retrieve_queue_async(DELAYED_QUEUE)
            assert queue is not None, "registered when the jobs engine starts"
            await queue.enqueue_async(delete_workflow, action_id)
    return outcome


@DBOS.workflow(name="deskhand.action")
async def action_workflow(action_id: str, decider: dict[str, str]) -> Outcome:
    begun = await _begin(action_id)
    if begun == "closed":
        return {"state": "closed"}
    planned = await _plan(action_id)
    if planned["mode"] == "one-go":
        return await _execute(action_id, decider)
    if planned["mode"] != "steps":
        return {"state": "failed"}
    await _rounds(action_id, _keys(planned))
    return await _settle_job(action_id, decider)


@DBOS.workflow(name="deskhand.retry")
async def retry_workflow(action_id: str, keys: list[str], decider: dict[str, str]) -> Outcome:
    planned = await _reopen(action_id, keys)
    if planned["mode"] != "steps":
        return {"state": "closed"}
    await _rounds(action_id, _keys(planned))
    return await _finish(action_id, decider)


@DBOS.workflow(name="deskhand.delete")
async def delete_workflow(action_id: str) -> Outcome:
    return await _delete(action_id)


async def start_action(action_id: str, decider: Mapping[str, str]) -> str:
    """Starts (or attaches to) the action's workflow; its id is the action's."""
    with SetWorkflowID(action_id):
        handle = await DBOS.start_workflow_async(action_workflow, action_id, dict(decider))
    return handle.get_workflow_id()


async def start_retry(action_id: str, keys: list[str], decider: Mapping[str, str], n: int) -> str:
    with SetWorkflowID(f"{action_id}-retry-{n}"):
        handle = await DBOS.start_workflow_async(retry_workflow, action_id, keys, dict(decider))
    return handle.get_workflow_id()


async def result_of(workflow_id: str) -> Outcome:
    handle: WorkflowHandleAsync[Outcome] = await DBOS.retrieve_workflow_async(workflow_id)
    # DBOS polls the workflow's row for its end, every second unless told otherwise.
    result: Outcome = await handle.get_result(polling_interval_sec=0.05)
    return result
