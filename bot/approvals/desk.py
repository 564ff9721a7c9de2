"""Confirm before destroy: pending actions, four-eyes approvals, expiry and the final run.

A destructive command never runs from the line that asked for it. `propose` works out its plan
from the target's current state, stores it as a `PendingAction` and answers with a card that
only the requester sees. Then, each move an atomic compare-and-set in the store:

    pending ──confirm──> approved ──> running ──> done | failed | unknown (policy "confirm")
    pending ──confirm──> awaiting ──approve──> approved ──> running ...  ("four-eyes", "admin")
    pending | awaiting ──> cancelled (requester) | denied (approver) | expired (clock)

Right before running, the plan is made again; if the target changed (deleted, already
blocked, now protected) the action stops and says so. A typed secret (a password) is never
stored: it waits in this process's memory only, so an action that needs one must be
confirmed by the same Deskhand process that received it.

Every Graph or Exchange write an action sends is stored on its row before it is sent. A write
that got no answer (a timeout, a broken connection) leaves the action `unknown` unless the
command's read-back showed the change, and an action whose process stopped mid-run ends
`unknown` with the ids of the writes it had sent, never "not run".
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from pydantic import BaseModel, SecretStr

from bot.approvals.cards import (
    action_data,
    approval_card,
    confirmation_card,
    deny_form,
    pending_list,
    settled_card,
)
from bot.approvals.news import ActionNews
from bot.approvals.notify import Notifiers
from bot.approvals.rules import ADMIN_POLICY, ActionRules, GuardCheck
from bot.audit.log import AuditLog
from bot.config.approvals import ApprovalMode, ApprovalSettings
from bot.store import Store
from bot.store.pending import (
    ActionState,
    PendingAction,
    due_for_reminder,
    insert_action,
    interrupted_actions,
    list_actions,
    load_action,
    mark_reminded,
    move,
    new_action_id,
    save_writes,
    stale_actions,
)
from cards.reply import Level, Notice, Reply, Text
from commands.arguments import redacted_arguments
from commands.context import CommandContext
from commands.plan import plan_changes, plan_from_json, plan_to_json
from commands.registry import CommandSpec, Registry, Role
from core.errors import DeskhandError, NotFound, OutcomeUnknown, UsageError, UserError
from core.identity import Actor, TenantInfo
from integrations.graph.trace import GraphWrite, OnSend, traced_writes

__all__ = ["ApprovalDesk", "ContextFactory", "GuardCheck", "RoleLookup"]

log = structlog.get_logger("deskhand.approvals")

_INTERRUPTED_AFTER = timedelta(minutes=10)
_FRESH_IDENTITY = frozenset({"confirm", "approve", "deny"})
"""Decisions made only after the chat platform confirms, now, who is making them."""


class Roles(Protocol):
    def roles(self, tenant: TenantInfo | None) -> frozenset[Role]: ...


class RoleLookup(Protocol):
    """The access policy: one person's roles, read afresh for each decision."""

    async def for_actor(self, actor: Actor) -> Roles: ...


class ContextFactory(Protocol):
    def __call__(
        self, actor: Actor, tenant: TenantInfo, *, request_id: str, channel: str, private: bool
    ) -> CommandContext: ...


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
    contexts: ContextFactory
    notifiers: Notifiers = field(default_factory=Notifiers)
    guards: GuardCheck | None = None
    clock: Callable[[], datetime] = _now
    _secrets: dict[str, dict[str, SecretStr]] = field(default_factory=dict, repr=False)
    rules: ActionRules = field(init=False)
    news: ActionNews = field(init=False)

    def __post_init__(self) -> None:
        self.rules = ActionRules(self.store, self.settings, self._roles, self.guards)
        self.news = ActionNews(self.store, self.audit_log, self.settings, self.notifiers)

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
        reason = getattr(args, "reason", None)
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
            await self._expire(action.id, now)
            action = await self._load(action.id)
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
            moved = await self._move(
                action, (ActionState.PENDING,), ActionState.APPROVED, now, ctx, unexpired=True
            )
            if not moved:
                return self.rules.not_open(await self._load(action.id))
            return await self._run(await self._load(action.id), ctx)
        moved = await self._move(
            action,
            (ActionState.PENDING,),
            ActionState.AWAITING,
            now,
            ctx,
            unexpired=True,
            expires_at=now + self.settings.approve_within,
        )
        if not moved:
            return self.rules.not_open(await self._load(action.id))
        action = await self._load(action.id)
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
        if not await self._move(
            action, (ActionState.PENDING, ActionState.AWAITING), ActionState.CANCELLED, now, ctx
        ):
            return self.rules.not_open(await self._load(action.id))
        return await self._settle(action.id, "cancelled", ctx, now)

    async def _approve(
        self, action: PendingAction, ctx: CommandContext, now: datetime, _: str
    ) -> Reply:
        if not await self._move(
            action, (ActionState.AWAITING,), ActionState.APPROVED, now, ctx, unexpired=True
        ):
            return self.rules.not_open(await self._load(action.id))
        action = await self._load(action.id)
        await self.news.audit(action, "approved", ctx.actor, ctx, "")
        return await self._run(action, ctx)

    async def _deny(
        self, action: PendingAction, ctx: CommandContext, now: datetime, note: str
    ) -> Reply:
        if not await self._move(
            action,
            (ActionState.AWAITING,),
            ActionState.DENIED,
            now,
            ctx,
            decision_reason=note[:1000],
        ):
            return self.rules.not_open(await self._load(action.id))
        return await self._settle(action.id, "denied", ctx, now)

    async def _settle(
        self, action_id: str, outcome: str, ctx: CommandContext, now: datetime
    ) -> Reply:
        """After a move that ends the action without running it: audit, cards, requester."""
        action = await self._load(action_id)
        self._secrets.pop(action.id, None)
        await self.news.audit(action, outcome, ctx.actor, ctx, action.decision_reason or "")
        card = settled_card(action, now)
        await self.news.update_cards(action, card)
        if ctx.actor.id != action.requester:
            await self.news.tell_requester(action, card)
        return card

    # -- running -----------------------------------------------------------------------------

    async def _run(self, action: PendingAction, ctx: CommandContext) -> Reply:
        now = self.clock()
        if not await self._move(action, (ActionState.APPROVED,), ActionState.RUNNING, now, None):
            return self.rules.not_open(await self._load(action.id))
        writes: list[GraphWrite] = []
        try:
            with traced_writes(self._keeper(action.id)) as writes:
                reply = await self._execute(action, ctx)
        except OutcomeUnknown as error:
            reply = Reply(
                title=f"/{action.command}: outcome unknown",
                blocks=(Notice(Level.WARNING, error.message),),
                level=Level.WARNING,
            )
        except DeskhandError as error:
            reply = Reply.error(f"Not run: {error.message}" if not writes else error.message)
        except Exception:
            log.exception("action.crashed", action=action.id, request_id=ctx.request_id)
            reply = Reply.error(
                "Something went wrong inside Deskhand while running it; check the target before "
                f"trying again. Reference for your Deskhand admin: {ctx.request_id}."
            )
        finally:
            self._secrets.pop(action.id, None)
        state = _ended(reply, writes)
        result = _summary(reply)
        await self._finish(action, state, result, writes)
        action = await self._load(action.id)
        await self.news.audit(action, state.value, ctx.actor, ctx, result, writes)
        card = settled_card(action, self.clock())
        await self.news.update_cards(action, card)
        # Scripts read what ran, on whom, and how it ended; never the secret, which stays apart.
        reply = dataclasses.replace(
            reply,
            data=action_data(action, reply.data),
            command=action.command,
            tenant=action.tenant,
        )
        if ctx.actor.id == action.requester:
            return reply
        # The requester learns the outcome, a secret included, where only they can read it.
        told = await self.news.tell_requester(action, dataclasses.replace(reply, private=True))
        if reply.secret and not told:
            log.warning("approval.secret_undelivered", action=action.id)
            lost = Notice(
                Level.WARNING,
                f"{action.requester_name or action.requester} could not be reached privately, "
                "so the secret this action made was shown to no one. They should run the "
                "command again from Slack or Teams.",
            )
            return dataclasses.replace(card, blocks=(*card.blocks, lost), secret="")
        return dataclasses.replace(card, secret="")

    async def _execute(self, action: PendingAction, decider: CommandContext) -> Reply:
        spec = self.registry.get(action.command)
        if spec is None or spec.planner is None:
            raise UserError(f"/{action.command} no longer exists in this Deskhand.")
        await self.rules.check_guards(action.tenant)
        tenant = self._tenant(action.tenant)
        args = self._arguments(spec, action)
        requester = Actor(action.requester, action.requester_name, action.requester_email)
        ctx = self.contexts(
            requester,
            tenant,
            request_id=decider.request_id,
            channel=action.channel,
            private=bool(action.plan.get("private")),
        )
        planned = plan_from_json(action.plan)
        fresh = await spec.planner(ctx, args)
        changed = plan_changes(planned, fresh)
        if changed:
            raise UserError(
                f"{planned.target} changed since the action was planned "
                f"({', '.join(changed)}). Run /{action.command} again to see the new plan."
            )
        reply: Reply = await spec.handler(ctx, args, fresh)
        return reply

    def _arguments(self, spec: CommandSpec, action: PendingAction) -> BaseModel:
        held = self._secrets.get(action.id, {})
        if action.plan.get("secret_typed") and not held:
            raise UserError(
                "The password you typed was kept only in the memory of the Deskhand process "
                "that received it, which no longer has it. Run the command again."
            )
        return spec.args.model_validate({**action.args, **held})

    async def _finish(
        self,
        action: PendingAction,
        state: ActionState,
        result: str,
        writes: Sequence[GraphWrite],
    ) -> None:
        async with self.store.engine.begin() as conn:
            await move(
                conn,
                action.id,
                leaving=(ActionState.RUNNING,),
                to=state,
                now=self.clock(),
                result=result[:1000],
                writes=_stored(writes),
            )

    def _keeper(self, action_id: str) -> OnSend:
        """Stores the action's writes before each is sent. One at a time, each storing the
        list as it is then, so the last stored holds every write sent so far."""
        lock = asyncio.Lock()

        async def keep(writes: Sequence[GraphWrite]) -> None:
            async with lock, self.store.engine.begin() as conn:
                await save_writes(conn, action_id, _stored(writes))

        return keep

    # -- the clock ---------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Expires what nobody decided in time, reminds approvers before expiry, and fails
        actions whose process stopped mid-run. Safe to call from every replica at once."""
        now = self.clock()
        async with self.store.engine.connect() as conn:
            stale = await stale_actions(conn, now)
            due = await due_for_reminder(conn, now, now + self.settings.remind_before)
            stuck = await interrupted_actions(conn, now - _INTERRUPTED_AFTER)
        for action_id in stale:
            await self._expire(action_id, now)
        for action in due:
            await self._remind(action, now)
        for action_id in stuck:
            await self._interrupted(action_id, now)
        return len(stale) + len(due) + len(stuck)

    async def _expire(self, action_id: str, now: datetime) -> None:
        async with self.store.engine.begin() as conn:
            moved = await move(
                conn,
                action_id,
                leaving=(ActionState.PENDING, ActionState.AWAITING),
                to=ActionState.EXPIRED,
                now=now,
            )
        if not moved:
            return
        action = await self._load(action_id)
        self._secrets.pop(action_id, None)
        await self.news.audit(action, "expired", None, None, "nobody decided in time")
        card = settled_card(action, now)
        await self.news.update_cards(action, card)
        await self.news.tell_requester(action, card)

    async def _remind(self, action: PendingAction, now: datetime) -> None:
        async with self.store.engine.begin() as conn:
            if not await mark_reminded(conn, action.id, now):
                return
        route = self.settings.route(action.tenant)
        card = approval_card(action, now, route.approvers)
        reminder = dataclasses.replace(card, title=f"Reminder: {card.title}")
        await self.news.post_everywhere(action, reminder)

    async def _interrupted(self, action_id: str, now: datetime) -> None:
        """A process stopped mid-run: what it sent may have been made, so an action that sent
        anything ends `unknown`, naming the writes by the ids they were sent with."""
        sent = _loaded((await self._load(action_id)).writes)
        state = ActionState.UNKNOWN if sent else ActionState.FAILED
        async with self.store.engine.begin() as conn:
            moved = await move(
                conn,
                action_id,
                leaving=(ActionState.RUNNING,),
                to=state,
                now=now,
                result=_interruption(sent),
            )
        if moved:
            action = await self._load(action_id)
            await self.news.audit(action, state.value, None, None, action.result or "", sent)
            card = settled_card(action, now)
            await self.news.update_cards(action, card)
            await self.news.tell_requester(action, card)

    # -- listing -----------------------------------------------------------------------------

    async def waiting(self, ctx: CommandContext) -> Reply:
        names = [tenant.name for tenant in ctx.tenants]
        async with self.store.engine.connect() as conn:
            actions = await list_actions(
                conn, states=(ActionState.PENDING, ActionState.AWAITING), tenants=names
            )
        return pending_list(actions, self.clock())

    # -- helpers -----------------------------------------------------------------------------

    async def _visible(self, action_id: str, actor: Actor) -> PendingAction:
        """The action, if the actor holds any role in its tenant; otherwise it does not exist."""
        async with self.store.engine.connect() as conn:
            action = await load_action(conn, action_id.strip())
        if action is None or not await self._roles(actor, action.tenant):
            raise NotFound(
                f"There is no pending action {action_id!r}. Check the id, or type /pending to "
                "see what waits for you."
            )
        return action

    async def _load(self, action_id: str) -> PendingAction:
        async with self.store.engine.connect() as conn:
            action = await load_action(conn, action_id)
        assert action is not None, "pending actions are never deleted"
        return action

    async def _roles(self, actor: Actor, tenant: str) -> frozenset[Role]:
        known = [t for t in self.tenants if t.name == tenant]
        if not known:
            return frozenset()
        return (await self.access.for_actor(actor)).roles(known[0])

    def _tenant(self, name: str) -> TenantInfo:
        for tenant in self.tenants:
            if tenant.name == name:
                return tenant
        raise UserError(f"Tenant {name} is no longer configured in this Deskhand.")

    async def _move(
        self,
        action: PendingAction,
        leaving: tuple[ActionState, ...],
        to: ActionState,
        now: datetime,
        ctx: CommandContext | None,
        *,
        unexpired: bool = False,
        **values: Any,
    ) -> bool:
        if ctx is not None:
            values |= {
                "decided_by": ctx.actor.email or ctx.actor.id,
                "decided_via": ctx.channel,
                "decided_at": now,
            }
        async with self.store.engine.begin() as conn:
            return await move(
                conn, action.id, leaving=leaving, to=to, now=now, unexpired=unexpired, **values
            )


def _summary(reply: Reply) -> str:
    """One line for the action's result and the audit log: what the reply's notices say, those
    that set its level first, so a done action's "applied; not yet visible" survives the cut."""
    blocks = [block for block in reply.blocks if isinstance(block, Notice | Text)]
    blocks.sort(key=lambda block: not (isinstance(block, Notice) and block.level is reply.level))
    return " ".join(" ".join(block.text for block in blocks).split())[:500] or reply.title


def _ended(reply: Reply, writes: Sequence[GraphWrite]) -> ActionState:
    """A write without an answer leaves the outcome unknown, unless the command read the
    change back and said so with a success."""
    if any(not write.answered for write in writes) and reply.level is not Level.SUCCESS:
        return ActionState.UNKNOWN
    return ActionState.FAILED if reply.failed else ActionState.DONE


def _stored(writes: Sequence[GraphWrite]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(write) for write in writes]


def _loaded(stored: Sequence[Mapping[str, Any]]) -> list[GraphWrite]:
    return [
        GraphWrite(
            str(item.get("method", "")),
            str(item.get("path", "")),
            item.get("status") if isinstance(item.get("status"), int) else None,
            str(item.get("request_id") or ""),
            str(item.get("client_request_id") or ""),
        )
        for item in stored
    ]


def _interruption(sent: Sequence[GraphWrite]) -> str:
    if not sent:
        return (
            "Interrupted: Deskhand stopped while running it, before it sent any change. Check "
            "the target before trying again."
        )
    unanswered = [write for write in sent if not write.answered]
    ids = ", ".join(f"{w.method} {w.path} (client-request-id {w.client_request_id})" for w in sent)
    what = "outcome unknown" if unanswered else "answered, but the result was never checked"
    return (
        f"Interrupted: Deskhand stopped while running it, after sending {ids}: {what}. The "
        "change may have been made: check the target before trying again. A password or "
        "pass it was to show was lost with it; run the command again for a new one."
    )
