"""The desk's clock: expiry and reminders. Safe to run from every replica at once: each move
is a compare-and-set. An action whose process stopped mid-run is not the clock's business: it
is a DBOS workflow, resumed by its process or by a live replica (`bot.jobs.engine`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr

from bot.approvals.actions import ActionBook
from bot.approvals.cards import approval_card, settled_card
from bot.approvals.news import ActionNews
from bot.config.approvals import ApprovalSettings
from bot.store.pending import (
    ActionState,
    PendingAction,
    due_for_reminder,
    mark_reminded,
    stale_actions,
)

__all__ = ["ActionSweep"]


@dataclass(frozen=True)
class ActionSweep:
    actions: ActionBook
    settings: ApprovalSettings
    news: ActionNews
    secrets: dict[str, dict[str, SecretStr]]
    clock: Callable[[], datetime]

    async def sweep(self) -> int:
        """Expires what nobody decided in time and reminds approvers before expiry."""
        now = self.clock()
        async with self.actions.store.engine.connect() as conn:
            stale = await stale_actions(conn, now)
            due = await due_for_reminder(conn, now, now + self.settings.remind_before)
        for action_id in stale:
            await self.expire(action_id, now)
        for action in due:
            await self._remind(action, now)
        return len(stale) + len(due)

    async def expire(self, action_id: str, now: datetime) -> None:
        leaving = (ActionState.PENDING, ActionState.AWAITING)
        if not await self.actions.move(action_id, leaving, ActionState.EXPIRED, now):
            return
        action = await self.actions.load(action_id)
        self.secrets.pop(action_id, None)
        await self.news.audit(action, "expired", None, None, "nobody decided in time")
        card = settled_card(action, now)
        await self.news.update_cards(action, card)
        await self.news.tell_requester(action, card)

    async def _remind(self, action: PendingAction, now: datetime) -> None:
        async with self.actions.store.engine.begin() as conn:
            if not await mark_reminded(conn, action.id, now):
                return
        route = self.settings.route(action.tenant)
        card = approval_card(action, now, route.approvers)
        reminder = dataclasses.replace(card, title=f"Reminder: {card.title}")
        await self.news.post_everywhere(action, reminder)
