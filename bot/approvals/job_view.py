"""Jobs from the chat: `/jobs`, `/job ID`, a failed step retried, a job undone.

Anyone with a role in the job's tenant sees it; the requester or an approver of that tenant
retries or undoes it. Undo puts back, newest step first, what each done step recorded it
changed, and says what cannot come back (a reset password, deleted sign-in methods).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.approvals.actions import ActionBook
from bot.approvals.cards import settled_card
from bot.approvals.execution import ActionJobs, decider_of
from bot.approvals.job_cards import job_card, job_list
from bot.approvals.news import ActionNews
from bot.approvals.rules import ActionRules
from bot.jobs.service import Jobs
from bot.store.jobs import load_steps, mark_undone
from bot.store.pending import ActionState, PendingAction, list_actions
from cards.reply import Level, Notice, Reply, Text
from commands.kit.context import CommandContext
from commands.kit.registry import Registry
from commands.kit.steps import StepState
from core.errors import DeskhandError, NotFound, UserError

__all__ = ["JobView"]

_RAN = (
    ActionState.RUNNING,
    ActionState.DONE,
    ActionState.PARTIAL,
    ActionState.FAILED,
    ActionState.UNKNOWN,
)


@dataclass(frozen=True)
class JobView:
    actions: ActionBook
    news: ActionNews
    rules: ActionRules
    registry: Registry
    jobs: Jobs
    execution: ActionJobs
    clock: Callable[[], datetime]

    async def started(self, action_id: str) -> Reply:
        """The progress card right after a job started: its steps once they are stored."""
        for _ in range(20):
            async with self.actions.store.engine.connect() as conn:
                if await load_steps(conn, action_id):
                    break
            await asyncio.sleep(0.05)
        return await self._card(await self.actions.load(action_id))

    async def listing(self, ctx: CommandContext, *, mine: bool, tenant: str | None) -> Reply:
        names = [t.name for t in ctx.tenants if tenant is None or t.name == tenant]
        async with self.actions.store.engine.connect() as conn:
            actions = await list_actions(conn, states=_RAN, tenants=names, limit=100)
        if mine:
            me = {ctx.actor.id, ctx.actor.email.lower()}
            actions = [a for a in actions if a.requester in me or a.requester_email in me]
        return job_list(actions[:30], self.clock())

    async def show(self, ctx: CommandContext, job_id: str) -> Reply:
        action = await self._visible(ctx, job_id)
        card = await self._card(action)
        held = None
        if action.state is not ActionState.RUNNING and ctx.actor.id == action.requester:
            held = self.execution.take_secret(action.id)
        if held is None:
            return card
        title, secret = held
        return dataclasses.replace(
            card, blocks=(*card.blocks, Text(title)), secret=secret, private=True
        )

    async def retry(self, ctx: CommandContext, job_id: str, position: int) -> Reply:
        action = await self._visible(ctx, job_id)
        await self._may_change(action, ctx)
        async with self.actions.store.engine.connect() as conn:
            steps = await load_steps(conn, action.id)
        chosen = [step for step in steps if step.position == position]
        if not chosen or chosen[0].state is not StepState.FAILED:
            raise UserError(
                f"Step {position} of job {action.id} has not failed; /job {action.id} shows "
                "which steps can be retried."
            )
        if action.state not in (ActionState.PARTIAL, ActionState.FAILED):
            raise UserError(f"Job {action.id} is {action.state.value}: retry once it has stopped.")
        await self.news.audit(action, "retry", ctx.actor, ctx, chosen[0].key)
        await self.jobs.retry(action.id, [chosen[0].key], decider_of(ctx), chosen[0].attempts)
        for _ in range(40):  # the card once the retry has reopened the job (it runs at once)
            if (await self.actions.load(action.id)).state is not action.state:
                break
            await asyncio.sleep(0.05)
        return await self.show(ctx, action.id)

    async def undo(self, ctx: CommandContext, job_id: str) -> Reply:
        action = await self._visible(ctx, job_id)
        await self._may_change(action, ctx)
        spec = self.registry.get(action.command)
        if spec is None or spec.undo is None:
            raise UserError(f"/{action.command} cannot be undone.")
        if action.state is ActionState.RUNNING:
            raise UserError(f"Job {action.id} is still running: undo it once it has stopped.")
        deletion = bool(action.plan.get("state", {}).get("delete_after_days"))
        if deletion:
            await self.jobs.cancel(f"{action.id}-delete")
        command = self.execution.context_for(action, decider_of(ctx))
        async with self.actions.store.engine.connect() as conn:
            steps = await load_steps(conn, action.id)
        lines: list[str] = []
        for step in reversed(steps):
            if step.state is not StepState.DONE or step.undone_at is not None:
                continue
            try:
                said = await spec.undo(command, step.key, step.undo)
            except DeskhandError as error:
                said = f"not restored: {error.message}"
            else:
                async with self.actions.store.engine.begin() as conn:
                    await mark_undone(conn, action.id, step.key, self.clock())
            lines.append(f"• {step.label}: {said}")
        summary = "\n".join(lines) or "Nothing to undo: no step of it changed anything."
        await self.news.audit(action, "undone", ctx.actor, ctx, summary)
        card = await self._card(await self.actions.load(action.id))
        cancelled = (
            (Notice(Level.INFO, "The delayed deletion it had scheduled is cancelled."),)
            if deletion
            else ()
        )
        return Reply(
            title=f"Undo of /{action.command} {action.plan.get('target', '')}",
            blocks=(
                Text(summary),
                *cancelled,
                *card.blocks[1:2],
            ),
            data={"job": action.id, "undone": lines},
        )

    async def _card(self, action: PendingAction) -> Reply:
        async with self.actions.store.engine.connect() as conn:
            steps = await load_steps(conn, action.id)
        if not steps:
            return settled_card(action, self.clock())
        return job_card(action, steps, self.clock())

    async def _visible(self, ctx: CommandContext, job_id: str) -> PendingAction:
        action = await self.actions.find(job_id.strip())
        names = {t.name for t in ctx.tenants}
        if action is None or action.tenant not in names or action.state not in _RAN:
            raise NotFound(f"There is no job {job_id!r}: /jobs lists recent ones.")
        return action

    async def _may_change(self, action: PendingAction, ctx: CommandContext) -> None:
        if ctx.actor.id == action.requester:
            return
        await self.rules.require_approver(action, ctx)
