"""The checks around a pending action: who may decide it, whether destructive commands are
allowed in its tenant at all, and how many one person or tenant may start in an hour.

Each check raises `AccessDenied` or `UserError` with what to do next; none changes anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.config.approvals import ApprovalSettings
from bot.store import Store
from bot.store.pending import ActionState, PendingAction, count_started_since
from cards.reply import Level, Notice, Reply
from commands.kit.context import CommandContext
from commands.kit.registry import Role
from core.errors import AccessDenied, UserError
from core.identity import Actor

__all__ = ["ADMIN_POLICY", "ActionRules", "GuardCheck", "same_person"]

ADMIN_POLICY = "admin"
"""Stored policy of an action on a protected account: an admin other than the requester."""


class GuardCheck(Protocol):
    async def destructive_allowed(self, tenant: str) -> bool: ...


@dataclass(frozen=True)
class ActionRules:
    store: Store
    settings: ApprovalSettings
    roles: Callable[[Actor, str], Awaitable[frozenset[Role]]]
    """An actor's roles in a tenant (by name), read afresh."""
    guards: GuardCheck | None = None

    async def check_guards(self, tenant: str) -> None:
        if not self.settings.route(tenant).destructive:
            raise AccessDenied(
                f"Destructive commands are switched off for {tenant} in Deskhand's "
                "configuration (approvals.tenants)."
            )
        if self.guards is not None and not await self.guards.destructive_allowed(tenant):
            raise AccessDenied(
                f"Destructive commands are switched off for {tenant} (/guard). An admin can "
                f"switch them on again with /guard on --tenant {tenant}."
            )

    async def check_rate(self, actor: Actor, tenant: str, now: datetime) -> None:
        since = now - timedelta(hours=1)
        # Counted per person: their Slack and Teams accounts share one verified address, and
        # so one allowance. Only an account without one (the console) counts by its id.
        email = actor.email.lower()
        person = {"requester_email": email} if email else {"requester": actor.id}
        async with self.store.engine.connect() as conn:
            mine = await count_started_since(conn, since, **person)
            theirs = await count_started_since(conn, since, tenant=tenant)
        if mine >= self.settings.per_technician_per_hour:
            raise UserError(
                f"You started {mine} destructive actions in the last hour, the most Deskhand "
                "allows one person; wait a while, or ask a Deskhand admin to raise "
                "approvals.per_technician_per_hour."
            )
        if theirs >= self.settings.per_tenant_per_hour:
            raise UserError(
                f"{theirs} destructive actions were started in {tenant} in the last hour, the "
                "most Deskhand allows one tenant; wait a while, or ask a Deskhand admin to "
                "raise approvals.per_tenant_per_hour."
            )

    def require_requester(self, action: PendingAction, actor: Actor, verb: str) -> None:
        if not same_person(actor, action.requester, action.requester_email):
            raise AccessDenied(
                f"Only {action.requester_name or action.requester}, who asked for it, can {verb} "
                "this action."
            )

    async def require_approver(self, action: PendingAction, ctx: CommandContext) -> None:
        if same_person(ctx.actor, action.requester, action.requester_email):
            raise AccessDenied(
                "You asked for this action, so someone else must approve or deny it (four-eyes)."
            )
        roles = await self.roles(ctx.actor, action.tenant)
        needed = {Role.ADMIN} if action.policy == ADMIN_POLICY else {Role.APPROVER, Role.ADMIN}
        if not roles & needed:
            who = "an admin" if action.policy == ADMIN_POLICY else "an approver or admin"
            raise AccessDenied(
                f"Only {who} of {action.tenant} can decide this action"
                + (
                    " (the target is a protected account)."
                    if action.policy == ADMIN_POLICY
                    else "."
                )
            )
        policy = self.settings.policy(action.command, action.tenant)
        if ctx.channel == "console" and not policy.console:
            raise AccessDenied(
                f"Approvals typed in the console are not accepted for /{action.command} in "
                f"{action.tenant}; decide from the card in Slack or Teams."
            )

    def not_open(self, action: PendingAction) -> Reply:
        said = {
            ActionState.PENDING: "is still waiting for its requester to confirm it",
            ActionState.AWAITING: "is waiting for an approver",
            ActionState.APPROVED: "is approved and about to run",
            ActionState.RUNNING: "is running now",
            ActionState.DONE: "has already run",
            ActionState.FAILED: "has already run and failed",
            ActionState.UNKNOWN: "has already run, with an unknown outcome",
            ActionState.DENIED: "was denied",
            ActionState.EXPIRED: "has expired; run the command again",
            ActionState.CANCELLED: "was cancelled",
        }[action.state]
        return Reply(
            blocks=(Notice(Level.WARNING, f"Action {action.id} {said}; nothing more was done."),),
            level=Level.WARNING,
        )


def same_person(actor: Actor, requester: str, email: str) -> bool:
    return actor.id == requester or bool(email and actor.email.lower() == email)
