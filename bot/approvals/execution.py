"""The approvals desk's side of a running action: what each step of the `deskhand.action`
workflow (`bot.jobs.workflows`) does.

A one-go command runs through `ActionRunner`. A job command's steps are stored as rows and run
one by one, each reading the target first (`commands.kit.steps`), with throttling and outages
retried within `JOB_RETRY`; the progress card is edited as they finish. Whoever decided gets
the outcome: in this process, the request still waiting for it (`expect`); otherwise the
requester is told privately.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.approvals.actions import ActionBook
from bot.approvals.job_cards import job_card
from bot.approvals.news import ActionNews
from bot.approvals.progress import CardUpdates
from bot.approvals.running import JOB_RETRY, ActionContexts, ActionRunner
from bot.pipeline.messages import crashed_while_running
from bot.store.jobs import StepRow, insert_steps, load_steps, move_step
from bot.store.pending import ActionState, PendingAction
from cards.reply import Reply
from commands.kit.context import CommandContext
from commands.kit.plan import plan_changes, plan_from_json
from commands.kit.registry import CommandSpec, Registry
from commands.kit.steps import Step, StepResult, StepState, waves
from core.errors import DeskhandError, RemoteNotFound, Unavailable, UserError
from core.identity import Actor
from integrations.outbound.retry import Failure, RetryPolicy, retrying

__all__ = ["ActionJobs", "decider_of"]

log = structlog.get_logger("deskhand.jobs")

_STOPPED = "stopped"
_NOT_RUN = "not run: "


def _stopped(row: StepRow) -> bool:
    """Failed, or not run because a step before it failed: what comes after waits too."""
    return row.state is StepState.FAILED or (
        row.state is StepState.SKIPPED and row.detail.startswith(_NOT_RUN)
    )


def decider_of(ctx: CommandContext) -> dict[str, str]:
    """Who decided, as the workflow keeps it: ids only."""
    return {
        "id": ctx.actor.id,
        "name": ctx.actor.display_name,
        "email": ctx.actor.email,
        "channel": ctx.channel,
        "request_id": ctx.request_id,
    }


@dataclass
class _Running:
    """What a step gets while it runs (`commands.kit.steps.StepContext`)."""

    command: CommandContext
    action: PendingAction
    news: ActionNews
    held: dict[str, tuple[str, str]]

    async def deliver_secret(self, title: str, secret: str) -> bool:
        if self.action.channel == "console":
            # The operator at this terminal asked: `/job` shows it to them once the job ends.
            self.held[self.action.id] = (title, secret)
            return True
        reply = Reply(title=title, secret=secret, private=True)
        return await self.news.tell_requester(self.action, reply)


@dataclass
class ActionJobs:
    actions: ActionBook
    runner: ActionRunner
    registry: Registry
    contexts: ActionContexts
    news: ActionNews
    clock: Callable[[], datetime]
    cards: CardUpdates
    retry: RetryPolicy = JOB_RETRY
    """How long a step keeps trying through throttling and outages (tests shorten it)."""
    _waiting: dict[str, asyncio.Future[Reply]] = field(default_factory=dict, repr=False)
    _steps: dict[str, dict[str, Step]] = field(default_factory=dict, repr=False)
    _held: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    """Secrets made for console requesters, in this process's memory only, by action id."""
    _started: dict[str, PendingAction] = field(default_factory=dict, repr=False)
    _running: dict[str, dict[str, datetime]] = field(default_factory=dict, repr=False)
    """The steps running in this process, by action id: when each began."""

    def take_secret(self, action_id: str) -> tuple[str, str] | None:
        return self._held.pop(action_id, None)

    # -- who waits ------------------------------------------------------------------------------

    def expect(self, action_id: str) -> asyncio.Future[Reply]:
        """The reply for the request that decided, if it ends in this process."""
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._waiting[action_id] = future
        return future

    def forget(self, action_id: str) -> None:
        self._waiting.pop(action_id, None)

    async def _answer(
        self, action: PendingAction, reply: Reply, decider: Mapping[str, str]
    ) -> None:
        waiting = self._waiting.pop(action.id, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(reply)
            return
        if decider.get("id") == action.requester or reply.secret:
            await self.news.tell_requester(action, reply)

    # -- the workflow's steps -------------------------------------------------------------------

    async def begin(self, action_id: str) -> str:
        if await self.actions.move(
            action_id, (ActionState.APPROVED,), ActionState.RUNNING, self.clock()
        ):
            return "run"
        action = await self.actions.load(action_id)
        return "run" if action.state is ActionState.RUNNING else "closed"

    async def plan_rounds(self, action_id: str) -> dict[str, object]:
        action = await self.actions.load(action_id)
        spec = self._spec(action)
        if spec.steps is None:
            return {"mode": "one-go"}
        try:
            steps = await self._job_steps(action, spec, check=True)
        except DeskhandError as error:
            await self._stop(action, error.message)
            return {"mode": _STOPPED}
        rows = [
            StepRow(action.id, step.key, number, step.label, step.after, StepState.PLANNED)
            for number, step in enumerate(steps, start=1)
        ]
        async with self.actions.store.engine.begin() as conn:
            await insert_steps(conn, rows)
        await self.cards.started(action, await self._card(action))
        return {"mode": "steps", "rounds": [[s.key for s in wave] for wave in waves(steps)]}

    async def execute(self, action_id: str, decider: Mapping[str, str]) -> dict[str, str]:
        action = await self.actions.load(action_id)
        ctx = self.context_for(action, decider)
        reply = await self.runner.run(action, ctx)
        await self._answer(action, reply, decider)
        action = await self.actions.load(action_id)
        return {"state": action.state.value}

    async def run_step(self, action_id: str, key: str) -> dict[str, str]:
        action = await self._action(action_id)
        step = (await self._cached_steps(action))[key]
        async with self.actions.store.engine.connect() as conn:
            rows = {row.key: row for row in await load_steps(conn, action_id, (key, *step.after))}
        row = rows[key]
        if row.state in (StepState.DONE, StepState.SKIPPED, StepState.FAILED):
            return {"state": row.state.value}
        blocked = [rows[k].label for k in row.after if _stopped(rows[k])]
        if blocked:
            await self._move(
                action, key, StepState.SKIPPED, detail=f"{_NOT_RUN}{blocked[0]} failed"
            )
            return {"state": StepState.SKIPPED.value}
        # A running step is kept in memory only, for this process's card: its row is written
        # once, when it ends (with when it started), which halves the writes of a wide round.
        began = self.clock()
        self._running.setdefault(action_id, {})[key] = began
        self.cards.touch(action.id, lambda: self._card_now(action.id))
        ended = {"started_at": began, "attempts": row.attempts + 1}
        running = _Running(self.context_for(action, {}), action, self.news, self._held)
        try:
            result = await _patiently(step, running, self.retry)
        except DeskhandError as error:
            await self._move(action, key, StepState.FAILED, error=error.message[:1000], **ended)
            return {"state": StepState.FAILED.value}
        except Exception:
            log.exception("job.step_crashed", action=action_id, step=key)
            failure = crashed_while_running(action_id)
            await self._move(action, key, StepState.FAILED, error=failure, **ended)
            return {"state": StepState.FAILED.value}
        finally:
            self._running.get(action_id, {}).pop(key, None)
        state = StepState.SKIPPED if result.skipped else StepState.DONE
        undo = dict(result.undo)
        await self._move(action, key, state, detail=result.detail[:1000], undo=undo, **ended)
        return {"state": state.value}

    async def finish(self, action_id: str, decider: Mapping[str, str]) -> dict[str, str]:
        rows = await self._rows(action_id)
        failed = [row for row in rows if row.state is StepState.FAILED]
        made = [row for row in rows if row.state is StepState.DONE]
        state = ActionState.DONE
        if failed:
            state = ActionState.PARTIAL if made else ActionState.FAILED
        result = _result(rows, failed)
        await self.actions.move(
            action_id,
            (ActionState.RUNNING,),
            state,
            self.clock(),
            result=result[:1000],
        )
        action = await self.actions.load(action_id)
        await self.news.audit(action, state.value, None, None, result)
        card = await self._card(action)
        await self.cards.finished(action, card)
        await self._answer(action, card, decider)
        self._steps.pop(action_id, None)
        self._started.pop(action_id, None)
        self._running.pop(action_id, None)
        days = action.plan.get("state", {}).get("delete_after_days") or 0
        keep = state is not ActionState.FAILED and isinstance(days, int | float)
        return {"state": state.value, "delete_after_days": str(days if keep else 0)}

    async def reopen(self, action_id: str, keys: list[str]) -> dict[str, object]:
        leaving = (ActionState.PARTIAL, ActionState.FAILED)
        if not await self.actions.move(action_id, leaving, ActionState.RUNNING, self.clock()):
            return {"mode": _STOPPED}
        action = await self.actions.load(action_id)
        rows = {row.key: row for row in await self._rows(action_id)}
        again = _with_dependents(keys, list(rows.values()))
        async with self.actions.store.engine.begin() as conn:
            for key in again:
                await move_step(conn, action_id, key, StepState.PLANNED, self.clock())
        steps = [step for step in (await self._cached_steps(action)).values() if step.key in again]
        await self.cards.started(action, await self._card(action))
        trimmed = [
            Step(s.key, s.label, s.run, tuple(k for k in s.after if k in again)) for s in steps
        ]
        return {"mode": "steps", "rounds": [[s.key for s in wave] for wave in waves(trimmed)]}

    async def delete_later(self, action_id: str) -> dict[str, str]:
        """The job's delayed deletion of its target, days later (undo cancels it): nothing to
        do when the user is gone already."""
        action = await self.actions.load(action_id)
        target_id = str(action.plan.get("target_id", ""))
        ctx = self.context_for(action, {})
        path = f"/users/{target_id}"
        try:
            await ctx.graph.get(path, select=("id",))
        except RemoteNotFound:
            detail = "already deleted"
        else:
            await ctx.graph.request("DELETE", path)
            detail = "deleted (restorable for 30 days with /restore-user)"
        await self.news.audit(action, "deleted", None, None, f"delayed deletion: {detail}")
        target = action.plan.get("target", "")
        await self.news.tell_requester(
            action, Reply(title=f"/{action.command} {target}: the delayed deletion ran: {detail}")
        )
        return {"state": "done", "detail": detail}

    # -- helpers --------------------------------------------------------------------------------

    def _spec(self, action: PendingAction) -> CommandSpec:
        spec = self.registry.get(action.command)
        if spec is None or spec.planner is None:
            raise UserError(f"/{action.command} no longer exists in this Deskhand.")
        return spec

    def context_for(self, action: PendingAction, decider: Mapping[str, str]) -> CommandContext:
        actor = Actor(
            decider.get("id") or action.requester,
            decider.get("name") or action.requester_name,
            decider.get("email") or action.requester_email,
        )
        return self.contexts.for_action(
            actor,
            self.runner.tenant(action.tenant),
            request_id=decider.get("request_id") or action.id,
            channel=decider.get("channel") or action.channel,
            private=bool(action.plan.get("private")),
        )

    async def _job_steps(
        self, action: PendingAction, spec: CommandSpec, *, check: bool
    ) -> Sequence[Step]:
        assert spec.steps is not None and spec.planner is not None
        ctx = self.context_for(action, {})
        args = self.runner.arguments(spec, action)
        planned = plan_from_json(action.plan)
        if check and not await self._rows(action.id):
            fresh = await spec.planner(ctx, args)
            changed = plan_changes(planned, fresh)
            if changed:
                raise UserError(
                    f"{planned.target} changed since the job was planned ({', '.join(changed)}). "
                    f"Run /{action.command} again to see the new plan."
                )
        steps = spec.steps(ctx, args, planned)
        self._steps[action.id] = {step.key: step for step in steps}
        return steps

    async def _action(self, action_id: str) -> PendingAction:
        """The action as the job started it: what steps need of it does not change."""
        held = self._started.get(action_id)
        if held is None:
            held = self._started[action_id] = await self.actions.load(action_id)
        return held

    async def _cached_steps(self, action: PendingAction) -> dict[str, Step]:
        if action.id not in self._steps:
            await self._job_steps(action, self._spec(action), check=False)
        return self._steps[action.id]

    async def _rows(self, action_id: str) -> list[StepRow]:
        async with self.actions.store.engine.connect() as conn:
            return await load_steps(conn, action_id)

    async def _move(self, action: PendingAction, key: str, to: StepState, **values: Any) -> None:
        """One transaction: the step's row, and for a step that ended, its audit entry."""
        now = self.clock()

        async def write(conn: AsyncConnection) -> None:
            await move_step(conn, action.id, key, to, now, **values)

        if to in (StepState.DONE, StepState.FAILED):
            said = values.get("error") or values.get("detail") or ""
            await self.news.audit(
                action, f"step {to.value}", None, None, f"{key}: {said}", also=write
            )
        else:
            async with self.actions.store.engine.begin() as conn:
                await write(conn)
        self.cards.touch(action.id, lambda: self._card_now(action.id))

    async def _card_now(self, action_id: str) -> tuple[PendingAction, Reply]:
        action = await self.actions.load(action_id)
        return action, await self._card(action)

    async def _card(self, action: PendingAction) -> Reply:
        running = self._running.get(action.id, {})
        rows = [
            dataclasses.replace(row, state=StepState.RUNNING, started_at=running[row.key])
            if row.key in running and row.state is StepState.PLANNED
            else row
            for row in await self._rows(action.id)
        ]
        return job_card(action, rows, self.clock())

    async def _stop(self, action: PendingAction, message: str) -> None:
        await self.actions.move(
            action.id, (ActionState.RUNNING,), ActionState.FAILED, self.clock(), result=message
        )
        action = await self.actions.load(action.id)
        await self.news.audit(action, "failed", None, None, message)
        card = await self._card(action)
        await self.cards.finished(action, card)
        await self._answer(action, card, {})


async def _patiently(step: Step, running: _Running, policy: RetryPolicy) -> StepResult:
    """The step, again after throttling or an outage, within `policy`: a step reads the
    target before it changes it, so running it again never makes a change twice."""

    async def attempt() -> StepResult | Failure:
        try:
            return await step.run(running)
        except Unavailable as error:
            return Failure(error, True, getattr(error, "retry_after", None))

    return await retrying(policy, attempt, event="job.step_retry", context={"step": step.key})


def _with_dependents(keys: Sequence[str], rows: Sequence[StepRow]) -> list[str]:
    """The failed steps named, and every step not run because of them, in step order."""
    chosen = {
        key for key in keys if any(r.key == key and r.state is StepState.FAILED for r in rows)
    }
    for row in rows:  # rows are in step order, and a step comes after its predecessors
        if _stopped(row) and set(row.after) & chosen:
            chosen.add(row.key)
    return [row.key for row in rows if row.key in chosen]


def _result(rows: Sequence[StepRow], failed: Sequence[StepRow]) -> str:
    done = sum(1 for row in rows if row.state is StepState.DONE)
    skipped = sum(1 for row in rows if row.state is StepState.SKIPPED)
    text = f"{done} steps done, {skipped} skipped, {len(failed)} failed."
    if failed:
        text += " Failed: " + "; ".join(f"{row.label} ({row.error})" for row in failed[:5])
    return text
