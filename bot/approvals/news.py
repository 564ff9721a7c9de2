"""What a pending action tells the world: approval cards posted and edited, the requester told,
each step written to the audit log.

Delivery failures are logged and never undo a decision: the action's state in the store is the
truth, and `/pending` shows it whatever reached the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from bot.approvals.cards import approval_card
from bot.approvals.notify import Notifiers, Posted
from bot.audit.log import Also, AuditLog
from bot.config.approvals import ApprovalMode, ApprovalSettings
from bot.store import AuditEntry, GraphRequestIds, Store
from bot.store.pending import PendingAction, save_cards
from cards.reply import Reply
from commands.kit.context import CommandContext
from core.errors import DeliveryError
from core.identity import Actor
from integrations.outbound.trace import GraphWrite

__all__ = ["ActionNews"]

log = structlog.get_logger("deskhand.approvals")

_VIA = "deskhand_channel"
"""Key of a stored card address naming the channel that posted it."""


@dataclass(frozen=True)
class ActionNews:
    store: Store
    audit_log: AuditLog
    settings: ApprovalSettings
    notifiers: Notifiers

    async def post_approval(self, action: PendingAction, now: datetime) -> str:
        """Posts the approval card where the tenant's approvers are; says where it went."""
        route = self.settings.route(action.tenant)
        posted = await self.post_everywhere(action, approval_card(action, now, route.approvers))
        if posted:
            return f"Sent to the approvers of {action.tenant}; you will be told the outcome."
        return (
            f"No approvers' channel could be reached for {action.tenant} "
            f"(approvals.tenants.{action.tenant}.slack_channel or teams_conversation): ask an "
            f"approver to type /approve {action.id}."
        )

    async def post_everywhere(self, action: PendingAction, card: Reply) -> list[Posted]:
        route = self.settings.route(action.tenant)
        places = (("slack", route.slack_channel), ("teams", route.teams_conversation))
        posted: list[Posted] = []
        for channel, destination in places:
            notifier = self.notifiers.get(channel)
            if not destination or notifier is None:
                continue
            try:
                posted.append(await notifier.post(destination, card))
            except DeliveryError as error:
                log.warning("approval.post_failed", action=action.id, error=error.message)
        if posted:
            cards = [*action.cards, *({**p.address, _VIA: p.channel} for p in posted)]
            async with self.store.engine.begin() as conn:
                await save_cards(conn, action.id, cards)
        return posted

    async def update_cards(self, action: PendingAction, card: Reply) -> None:
        for stored in action.cards:
            address = dict(stored)
            channel = address.pop(_VIA, "")
            notifier = self.notifiers.get(channel)
            if notifier is None:
                continue
            try:
                await notifier.update(Posted(channel, address), card)
            except DeliveryError as error:
                log.warning("approval.update_failed", action=action.id, error=error.message)

    async def tell_requester(self, action: PendingAction, reply: Reply) -> bool:
        """True when the requester's channel took the message."""
        notifier = self.notifiers.get(action.channel)
        if notifier is None or not action.return_address:
            return False
        try:
            await notifier.tell(action.return_address, reply)
        except DeliveryError as error:
            log.warning("approval.tell_failed", action=action.id, error=error.message)
            return False
        return True

    async def audit(
        self,
        action: PendingAction,
        outcome: str,
        actor: Actor | None,
        ctx: CommandContext | None,
        detail: str,
        writes: list[GraphWrite] | tuple[GraphWrite, ...] = (),
        *,
        also: Also | None = None,
    ) -> None:
        """One audit entry for the action; `also` is written in the same transaction."""
        approval = action.decided_by if action.policy != ApprovalMode.CONFIRM.value else None
        entry = AuditEntry(
            actor=actor.id if actor else "deskhand",
            channel=ctx.channel if ctx else "deskhand",
            command=action.command,
            outcome=outcome,
            correlation_id=ctx.request_id if ctx and ctx.request_id else action.id,
            tenant=action.tenant,
            target=str(action.plan.get("target", "")) or None,
            detail=f"action {action.id}: {detail}"[:500],
            graph_request_ids=tuple(
                GraphRequestIds(w.request_id, w.client_request_id) for w in writes
            ),
            approval=approval,
            reason=action.reason,
        )
        await self.audit_log.append(entry, also=also)
