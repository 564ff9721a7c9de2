"""Running a confirmed action: its plan made again, its writes traced, its end decided by what
came back.

Right before running, the plan is made again; if the target changed (deleted, already
blocked, now protected) the action stops and says so. A write that got no answer (a timeout, a
broken connection) leaves the action `unknown` unless the command's read-back showed the change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog
from pydantic import BaseModel, SecretStr

from bot.approvals.actions import ActionBook, loaded_writes, stored_writes
from bot.approvals.cards import action_data, settled_card
from bot.approvals.news import ActionNews
from bot.approvals.rules import ActionRules
from bot.pipeline.messages import crashed_while_running
from bot.store.pending import ActionState, PendingAction
from cards.reply import Level, Notice, Reply, Text
from commands.kit.context import CommandContext
from commands.kit.plan import plan_changes, plan_from_json
from commands.kit.registry import CommandSpec, Registry
from core.errors import DeskhandError, OutcomeUnknown, Unavailable, UserError
from core.identity import Actor, TenantInfo
from integrations.outbound.retry import Failure, RetryPolicy, retrying
from integrations.outbound.trace import GraphWrite, traced_writes

__all__ = ["JOB_RETRY", "ActionContexts", "ActionRunner"]

log = structlog.get_logger("deskhand.approvals")

JOB_RETRY = RetryPolicy(max_attempts=6, max_delay=60.0, budget=300.0, base_delay=2.0)
"""How long a confirmed action or a job step keeps trying through throttling and outages, on
top of each client's own retries: it runs unattended, so it may wait minutes, not seconds."""


class ActionContexts(Protocol):
    """The composition root's context factory (`bot.pipeline.contexts.CommandContexts`)."""

    def for_action(
        self, actor: Actor, tenant: TenantInfo, *, request_id: str, channel: str, private: bool
    ) -> CommandContext: ...


@dataclass(frozen=True)
class ActionRunner:
    actions: ActionBook
    registry: Registry
    tenants: tuple[TenantInfo, ...]
    contexts: ActionContexts
    rules: ActionRules
    news: ActionNews
    secrets: dict[str, dict[str, SecretStr]]
    """Typed secrets, kept in this process's memory only, by action id."""
    clock: Callable[[], datetime]

    async def run(self, action: PendingAction, ctx: CommandContext) -> Reply:
        """Runs an action already moved to running, for the person who decided it (`ctx`);
        the requester hears the outcome privately when someone else decided."""
        if action.writes:  # a run before this one sent them, and its process stopped
            return await self._settle_resumed(action, ctx)
        writes: list[GraphWrite] = []
        try:
            reply = await self._patiently(action, ctx, writes)
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
            reply = Reply.error(crashed_while_running(ctx.request_id))
        finally:
            self.secrets.pop(action.id, None)
        state = _ended(reply, writes)
        result = _summary(reply)
        await self.actions.move(
            action.id,
            (ActionState.RUNNING,),
            state,
            self.clock(),
            result=result[:1000],
            writes=stored_writes(writes),
        )
        action = await self.actions.load(action.id)
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

    async def _patiently(
        self, action: PendingAction, ctx: CommandContext, sent: list[GraphWrite]
    ) -> Reply:
        """Runs the command again after a throttled or unavailable service, within
        `JOB_RETRY`, as long as nothing it sent was made: an approved action does not end
        "Not run" because of a 429 storm. `sent` holds the writes of the last attempt."""

        async def attempt() -> Reply | Failure:
            sent.clear()
            try:
                with traced_writes(self.actions.keeper(action.id)) as writes:
                    try:
                        return await self._execute(action, ctx)
                    finally:
                        sent.extend(writes)
            except Unavailable as error:
                made = any(w.answered and (w.status or 0) < 400 for w in sent)
                if made:
                    raise
                return Failure(error, True, getattr(error, "retry_after", None))

        return await retrying(
            JOB_RETRY, attempt, event="action.retry", context={"action": action.id}
        )

    async def _settle_resumed(self, action: PendingAction, ctx: CommandContext) -> Reply:
        """Its writes were sent before the stop and may have been made: never sent again
        blindly. The plan made again says whether the target still looks as planned."""
        sent = loaded_writes(action.writes)
        try:
            await self._execute(action, ctx, dry=True)
        except DeskhandError as error:
            now = f"The target has changed since: {error.message}"
        else:
            now = "The target still looks as planned, so the change was probably not made."
        ids = ", ".join(f"{w.method} {w.path} ({w.client_request_id})" for w in sent)
        result = (
            f"Deskhand stopped while running it, after sending {ids}. {now} Check with /user "
            f"{action.plan.get('target', '')} before running it again."
        )[:1000]
        await self.actions.move(
            action.id, (ActionState.RUNNING,), ActionState.UNKNOWN, self.clock(), result=result
        )
        action = await self.actions.load(action.id)
        await self.news.audit(action, "unknown", ctx.actor, ctx, result, sent)
        card = settled_card(action, self.clock())
        await self.news.update_cards(action, card)
        return card

    async def _execute(
        self, action: PendingAction, decider: CommandContext, *, dry: bool = False
    ) -> Reply:
        spec = self.registry.get(action.command)
        if spec is None or spec.planner is None:
            raise UserError(f"/{action.command} no longer exists in this Deskhand.")
        await self.rules.check_guards(action.tenant)
        tenant = self.tenant(action.tenant)
        args = self.arguments(spec, action)
        requester = Actor(action.requester, action.requester_name, action.requester_email)
        ctx = self.contexts.for_action(
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
        if dry:
            return Reply()
        reply: Reply = await spec.handler(ctx, args, fresh)
        return reply

    def arguments(self, spec: CommandSpec, action: PendingAction) -> BaseModel:
        held = self.secrets.get(action.id, {})
        if action.plan.get("secret_typed") and not held:
            raise UserError(
                "The password you typed was kept only in the memory of the Deskhand process "
                "that received it, which no longer has it. Run the command again."
            )
        return spec.args.model_validate({**action.args, **held})

    def tenant(self, name: str) -> TenantInfo:
        for tenant in self.tenants:
            if tenant.name == name:
                return tenant
        raise UserError(f"Tenant {name} is no longer configured in this Deskhand.")


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
