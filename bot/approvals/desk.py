"""Confirm before destroy: pending actions, four-eyes approvals, expiry and the final run.

A destructive command never runs from the line that asked for it. `propose` works out its plan
from the target's current state, stores it as a `PendingAction` and answers with a card that
only the requester sees. Then, each move an atomic compare-and-set in the store
(`bot.approvals.actions`):

    pending ──confirm──> approved ──> running ──> done | failed | unknown (policy "confirm")
    pending ──confirm──> awaiting ──approve──> approved ──> running ...  ("four-eyes", "admin")
    pending | awaiting ──> cancelled (requester) | denied (approver) | expired (clock)

Running is `bot.approvals.running`; the clock (expiry, reminders, interrupted runs) is
`bot.approvals.sweep`. A typed secret (a password) is never stored: it waits in this process's
memory only, so an action that needs one must be confirmed by the same Deskhand process that
received it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import structlog
from pydantic import BaseModel, SecretStr

from bot.approvals.actions import ActionBook
from bot.approvals.cards import confirmation_card, deny_form, pending_list, settled_card
from bot.approvals.execution import ActionJobs, decider_of
from bot.approvals.job_view import JobView
from bot.approvals.news import ActionNews
from bot.approvals.notify import Notifiers
from bot.approvals.progress import CardUpdates
from bot.approvals.rules import ADMIN_POLICY, ActionRules, GuardCheck
from bot.approvals.running import ActionContexts, ActionRunner
from bot.approvals.sweep import ActionSweep
from bot.audit.log import AuditLog
from bot.config.approvals import ApprovalMode, ApprovalSettings
from bot.jobs.engine import JobEngine, Lost, executor_id
from bot.jobs.service import Jobs
from bot.store import Store
from bot.store.pending import ActionState, PendingAction, insert_action, list_actions, new_action_id
from cards.reply import Reply, Text
from commands.kit.arguments import redacted_arguments
from commands.kit.context import CommandContext
from commands.kit.plan import plan_to_json
from commands.kit.registry import CommandSpec, Registry, Role
from core.errors import NotFound, UsageError
from core.identity import Actor, TenantInfo

__all__ = ["ActionContexts", "ApprovalDesk", "GuardCheck", "RoleLookup"]

log = structlog.get_logger("deskhand.approvals")

_FRESH_IDENTITY = frozenset({"confirm", "approve", "deny"})
"""Decisions made only after the chat platform confirms, now, who is making them."""


class Roles(Protocol):
    def roles(self, tenant: TenantInfo | None) -> frozenset[Role]: ...


class RoleLookup(Protocol):
    """The access policy: one person's roles, read afresh for each decision."""

    async def for_actor(self, actor: Actor) -> Roles: ...


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ApprovalDesk:
    store: Store
    audit_log: AuditLog
    settings: ApprovalSettings
    registry: Registry
    tenants: tuple[TenantInfo, ...]
    access: RoleLookup
    contexts: ActionContexts
    """The composition root's context factory, the one the router builds requests' with."""
    notifiers: Notifiers = field(default_factory=Notifiers)
    guards: GuardCheck | None = None
    clock: Callable[[], datetime] = _now
    _secrets: dict[str, dict[str, SecretStr]] = field(default_factory=dict, repr=False)
    rules: ActionRules = field(init=False)
    news: ActionNews = field(init=False)
    actions: ActionBook = field(init=False)
    runner: ActionRunner = field(init=False)
    sweeper: ActionSweep = field(init=False)
    execution: ActionJobs = field(init=False)
    jobs: Jobs = field(init=False)
    job_view: JobView = field(init=False)
    executor: str = ""
    """This process's DBOS executor id (`bot.jobs.engine.executor_id`); one per desk if unset."""
    on_lost: Lost | None = None
    """Told the executor id of a dead process whose jobs this one took over."""
    on_handed: Callable[[str], None] | None = None
    """Told the request id of a decision once its action is the jobs engine's."""
    queues: tuple[str, ...] = ()
    """Queues this process's jobs engine runs besides its own (`JobEngine.queues`)."""

    def __post_init__(self) -> None:
        self.rules = ActionRules(self.store, self.settings, self._roles, self.guards)
        self.news = ActionNews(self.store, self.audit_log, self.settings, self.notifiers)
        self.actions = ActionBook(self.store)
        # Both read `clock` through the desk, so a test that moves the desk's clock moves theirs.
        self.runner = ActionRunner(
            self.actions,
            self.registry,
            self.tenants,
            self.contexts,
            self.rules,
            self.news,
            self._secrets,
            self._time,
        )
        self.sweeper = ActionSweep(
            self.actions, self.settings, self.news, self._secrets, self._time
        )
        self.execution = ActionJobs(
            self.actions,
            self.runner,
            self.registry,
            self.contexts,
            self.news,
            self._time,
            CardUpdates(self.news),
        )
        executor = self.executor or executor_id("desk", Path.cwd())
        engine = JobEngine(
            self.store,
            executor,
            "desk",
            on_lost=self.on_lost,
            clock=self._time,
            queues=self.queues,
        )
        self.jobs = Jobs(engine, self.execution)
        self.job_view = JobView(
            self.actions,
            self.news,
            self.rules,
            self.registry,
            self.jobs,
            self.execution,
            self._time,
        )

    async def close(self) -> None:
        """Stops this desk's jobs engine, if it started one."""
        await self.jobs.close()

    def _time(self) -> datetime:
        return self.clock()

    # -- asking ------------------------------------------------------------------------------

    async def propose(
        self,
        spec: CommandSpec,
        args: BaseModel,
        ctx: CommandContext,
        return_address: Mapping[str, str],
    ) -> Reply:
        """Plans a destructive command and stores it; the requester must confirm it."""
        assert spec.planner is not None, "only destructive commands are proposed"
        tenant, actor, now = ctx.current_tenant, ctx.actor, self.clock()
        policy = self.settings.policy(spec.name, tenant.name)
        reason = spec.reason_of(args)
        if policy.reason and not (reason and reason.strip()):
            raise UsageError(
                f"/{spec.name} in {tenant.name} needs a reason or ticket number: add "
                '--reason "T-1234 leaver" and run it again.'
            )
        await self.rules.check_guards(tenant.name)
        await self.rules.check_rate(actor, tenant.name, now)
        plan = await spec.planner(ctx, args)
        mode = ADMIN_POLICY if plan.protection else policy.approval.value
        held = {name: getattr(args, name) for name in spec.secrets if getattr(args, name)}
        action = PendingAction(
            id=new_action_id(),
            command=spec.name,
            args=redacted_arguments(spec, args),
            tenant=tenant.name,
            requester=actor.id,
            requester_email=actor.email.lower(),
            requester_name=actor.display_name,
            channel=ctx.channel,
            return_address=dict(return_address),
            plan={**plan_to_json(plan, private=ctx.private), "secret_typed": bool(held)},
            policy=mode,
            reason=reason,
            state=ActionState.PENDING,
            created_at=now,
            expires_at=now + self.settings.confirm_within,
            updated_at=now,
        )
        async with self.store.engine.begin() as conn:
            await insert_action(conn, action)
        if held:
            self._secrets[action.id] = held
        await self.news.audit(action, "proposed", actor, ctx, plan.summary)
        return confirmation_card(action, now, needs_approval=mode != ApprovalMode.CONFIRM.value)

    # -- deciding ----------------------------------------------------------------------------

    async def decide(self, action_id: str, verb: str, ctx: CommandContext, note: str) -> Reply:
        if verb in _FRESH_IDENTITY:
            # Chat identities are cached; a deactivated account must not decide from the cache.
            await ctx.verify_actor()
        action = await self._visible(action_id, ctx.actor)
        now = self.clock()
        if action.state.open and action.expires_at <= now:
            await self.sweeper.expire(action.id, now)
            action = await self.actions.load(action.id)
        if verb in ("confirm", "cancel"):
            self.rules.require_requester(action, ctx.actor, verb)
        else:
            await self.rules.require_approver(action, ctx)
        if verb == "deny" and not note.strip():
            if action.state is not ActionState.AWAITING:
                return self.rules.not_open(action)
            return deny_form(action)
        handlers = {
            "confirm": self._confirm,
            "cancel": self._cancel,
            "approve": self._approve,
            "deny": self._deny,
        }
        return await handlers[verb](action, ctx, now, note.strip())

    async def _confirm(
        self, action: PendingAction, ctx: CommandContext, now: datetime, _: str
    ) -> Reply:
        if action.policy == ApprovalMode.CONFIRM.value:
            moved = await self.actions.move(
                action.id, (ActionState.PENDING,), ActionState.APPROVED, now, ctx, unexpired=True
            )
            if not moved:
                return self.rules.not_open(await self.actions.load(action.id))
            return await self._run(action.id, ctx)
        moved = await self.actions.move(
            action.id,
            (ActionState.PENDING,),
            ActionState.AWAITING,
            now,
            ctx,
            unexpired=True,
            expires_at=now + self.settings.approve_within,
        )
        if not moved:
            return self.rules.not_open(await self.actions.load(action.id))
        action = await self.actions.load(action.id)
        await self.news.audit(action, "confirmed", ctx.actor, ctx, "sent for approval")
        where = await self.news.post_approval(action, now)
        return Reply(
            title=f"/{action.command} is waiting for approval",
            blocks=(
                *settled_card(action, now).blocks,
                Text(where),
            ),
        )

    async def _cancel(
        self, action: PendingAction, ctx: CommandContext, now: datetime, _: str
    ) -> Reply:
        leaving = (ActionState.PENDING, ActionState.AWAITING)
        if not await self.actions.move(action.id, leaving, ActionState.CANCELLED, now, ctx):
            return self.rules.not_open(await self.actions.load(action.id))
        return await self._settle(action.id, "cancelled", ctx, now)

    async def _approve(
        self, action: PendingAction, ctx: CommandContext, now: datetime, _: str
    ) -> Reply:
        if not await self.actions.move(
            action.id, (ActionState.AWAITING,), ActionState.APPROVED, now, ctx, unexpired=True
        ):
            return self.rules.not_open(await self.actions.load(action.id))
        action = await self.actions.load(action.id)
        await self.news.audit(action, "approved", ctx.actor, ctx, "")
        return await self._run(action.id, ctx)

    async def _run(self, action_id: str, ctx: CommandContext) -> Reply:
        """Starts the action's workflow. A one-go command's reply comes back here when it
        ran in this process; a job answers at once with its progress card."""
        action = await self.actions.load(action_id)
        spec = self.registry.get(action.command)
        waiting = self.execution.expect(action_id)
        try:
            workflow = await self.jobs.start_action(action_id, decider_of(ctx))
        except BaseException:
            self.execution.forget(action_id)
            raise
        if self.on_handed is not None:
            self.on_handed(ctx.request_id)
        if spec is not None and spec.steps is not None:
            self.execution.forget(action_id)
            return await self.job_view.started(action_id)
        ended = asyncio.ensure_future(self.jobs.outcome(workflow))
        either: set[asyncio.Future[Any]] = {waiting, ended}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        self.execution.forget(action_id)
        if waiting.done():
            ended.cancel()
            return waiting.result()
        if ended.exception() is not None:
            log.error("action.workflow_failed", action=action_id, error=repr(ended.exception()))
        return settled_card(await self.actions.load(action_id), self.clock())

    async def _deny(
        self, action: PendingAction, ctx: CommandContext, now: datetime, note: str
    ) -> Reply:
        if not await self.actions.move(
            action.id,
            (ActionState.AWAITING,),
            ActionState.DENIED,
            now,
            ctx,
            decision_reason=note[:1000],
        ):
            return self.rules.not_open(await self.actions.load(action.id))
        return await self._settle(action.id, "denied", ctx, now)

    async def _settle(
        self, action_id: str, outcome: str, ctx: CommandContext, now: datetime
    ) -> Reply:
        """After a move that ends the action without running it: audit, cards, requester."""
        action = await self.actions.load(action_id)
        self._secrets.pop(action.id, None)
        await self.news.audit(action, outcome, ctx.actor, ctx, action.decision_reason or "")
        card = settled_card(action, now)
        await self.news.update_cards(action, card)
        if ctx.actor.id != action.requester:
            await self.news.tell_requester(action, card)
        return card

    # -- the clock ---------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Expiry, reminders, interrupted runs (`ActionSweep.sweep`)."""
        return await self.sweeper.sweep()

    # -- listing -----------------------------------------------------------------------------

    async def waiting(self, ctx: CommandContext) -> Reply:
        names = [tenant.name for tenant in ctx.tenants]
        async with self.store.engine.connect() as conn:
            actions = await list_actions(
                conn, states=(ActionState.PENDING, ActionState.AWAITING), tenants=names
            )
        return pending_list(actions, self.clock())

    async def jobs_list(self, ctx: CommandContext, *, mine: bool, tenant: str | None) -> Reply:
        return await self.job_view.listing(ctx, mine=mine, tenant=tenant)

    async def job(self, ctx: CommandContext, job_id: str) -> Reply:
        return await self.job_view.show(ctx, job_id)

    async def retry_step(self, ctx: CommandContext, job_id: str, position: int) -> Reply:
        return await self.job_view.retry(ctx, job_id, position)

    async def undo_job(self, ctx: CommandContext, job_id: str) -> Reply:
        return await self.job_view.undo(ctx, job_id)

    # -- helpers -----------------------------------------------------------------------------

    async def _visible(self, action_id: str, actor: Actor) -> PendingAction:
        """The action, if the actor holds any role in its tenant; otherwise it does not exist."""
        action = await self.actions.find(action_id.strip())
        if action is None or not await self._roles(actor, action.tenant):
            raise NotFound(
                f"There is no pending action {action_id!r}. Check the id, or type /pending to "
                "see what waits for you."
            )
        return action

    async def _roles(self, actor: Actor, tenant: str) -> frozenset[Role]:
        known = [t for t in self.tenants if t.name == tenant]
        if not known:
            return frozenset()
        return (await self.access.for_actor(actor)).roles(known[0])
