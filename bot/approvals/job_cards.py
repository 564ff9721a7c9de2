"""The progress card of an action that runs as a job, and the job lists.

Pure functions of the action and its step rows. A failed step's "Retry step" button carries
only `j:<action id>:<step position>`; the router turns a click into `/job retry ID N`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.approvals.cards import action_data, plan_blocks, settled_card
from bot.store.jobs import StepRow
from bot.store.pending import ActionState, PendingAction
from cards.reply import Button, Level, Reply, Table, Text
from commands.kit.formatting import when
from commands.kit.steps import StepState

__all__ = ["JOB_PREFIX", "job_button", "job_card", "job_list", "parse_job_button"]

JOB_PREFIX = "j:"

_MARKS = {
    StepState.PLANNED: "waiting",
    StepState.RUNNING: "running",
    StepState.DONE: "done",
    StepState.SKIPPED: "skipped",
    StepState.FAILED: "FAILED",
}


def job_button(action_id: str, position: int) -> str:
    return f"{JOB_PREFIX}{action_id}:{position}"


def parse_job_button(button: str) -> tuple[str, int] | None:
    """(action id, step position) from a Retry step button, or None."""
    if not button.startswith(JOB_PREFIX):
        return None
    action_id, _, position = button.removeprefix(JOB_PREFIX).rpartition(":")
    return (action_id, int(position)) if action_id and position.isdigit() else None


def _took(step: StepRow) -> str:
    if step.started_at is None or step.finished_at is None:
        return ""
    return f"{(step.finished_at - step.started_at).total_seconds():.1f} s"


def _row(step: StepRow) -> tuple[str, ...]:
    said = step.error if step.state is StepState.FAILED else step.detail
    # A step that recorded nothing to put back (a reset password) was only explained by undo.
    undone = "" if step.undone_at is None else " (undone)" if step.undo else " (cannot be undone)"
    return (str(step.position), step.label, _MARKS[step.state] + undone, _took(step), said)


def job_card(action: PendingAction, steps: Sequence[StepRow], now: datetime) -> Reply:
    """Every step with its state, time and error; Retry buttons once the job has stopped."""
    settled = settled_card(action, now)
    counts = {state: sum(1 for s in steps if s.state is state) for state in StepState}
    progress = (
        f"{counts[StepState.DONE]} done, {counts[StepState.SKIPPED]} skipped, "
        f"{counts[StepState.FAILED]} failed, "
        f"{counts[StepState.RUNNING] + counts[StepState.PLANNED]} to go, of {len(steps)} steps."
    )
    blocks = [
        *plan_blocks(action, now)[:1],
        Table(("#", "step", "state", "took", "result"), tuple(_row(step) for step in steps)),
        Text(progress),
        *settled.blocks[-1:],
    ]
    failed = [step for step in steps if step.state is StepState.FAILED]
    stopped = action.state in (ActionState.PARTIAL, ActionState.FAILED)
    buttons = tuple(
        Button(f"Retry step {step.position}", job_button(action.id, step.position))
        for step in failed[:5]
        if stopped
    )
    if stopped and failed:
        blocks.append(Text(f"Retry a failed step with its button or /job retry {action.id} N."))
    return Reply(
        title=f"/{action.command} {action.plan.get('target', '')}: {_state_words(action)}",
        blocks=tuple(blocks),
        buttons=buttons,
        level=settled.level,
        data={**action_data(action), "steps": [_step_data(step) for step in steps]},
        command=action.command,
        tenant=action.tenant,
    )


def _state_words(action: PendingAction) -> str:
    if action.state is ActionState.PARTIAL:
        return "completed with failures"
    return action.state.value


def _step_data(step: StepRow) -> dict[str, object]:
    return {
        "position": step.position,
        "key": step.key,
        "label": step.label,
        "state": step.state.value,
        "attempts": step.attempts,
        "detail": step.detail,
        "error": step.error,
        "undone": step.undone_at is not None,
    }


def job_list(actions: Sequence[PendingAction], now: datetime) -> Reply:
    """/jobs: recent and running actions and jobs, newest first."""
    rows = tuple(
        (
            action.id,
            f"/{action.command}",
            str(action.plan.get("target", "")),
            action.tenant,
            _state_words(action),
            action.requester_name or action.requester,
            when(action.updated_at, now),
        )
        for action in actions
    )
    if not rows:
        return Reply(title="Jobs", blocks=(Text("No jobs yet."),), data=[])
    columns = ("id", "command", "target", "tenant", "state", "requested by", "updated")
    return Reply(
        title="Jobs",
        blocks=(Table(columns, rows), Text("/job ID shows one, with its steps.")),
        data=[action_data(action) for action in actions],
        level=Level.INFO,
    )
