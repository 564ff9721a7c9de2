"""The desk's clock: expiry, reminders, and actions whose process stopped mid-run.

An action whose process stopped mid-run ends `unknown` with the ids of the writes it had sent,
never "not run". Safe to run from every replica at once: each move is a compare-and-set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import SecretStr

from bot.approvals.actions import ActionBook, loaded_writes
from bot.approvals.cards import approval_card, settled_card
from bot.approvals.news import ActionNews
from bot.config.approvals import ApprovalSettings
from bot.store.pending import (
    ActionState,
    PendingAction,
    due_for_reminder,
    interrupted_actions,
    mark_reminded,
    stale_actions,
)
from integrations.outbound.trace import GraphWrite

__all__ = ["ActionSweep"]

_INTERRUPTED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class ActionSweep:
    actions: ActionBook
    settings: ApprovalSettings
    news: ActionNews
    secrets: dict[str, dict[str, SecretStr]]
    clock: Callable[[], datetime]

    async def sweep(self) -> int:
        """Expires what nobody decided in time, reminds approvers before expiry, and fails
        actions whose process stopped mid-run. Safe to call from every replica at once."""
        now = self.clock()
        async with self.actions.store.engine.connect() as conn:
            stale = await stale_actions(conn, now)
            due = await due_for_reminder(conn, now, now + self.settings.remind_before)
            stuck = await interrupted_actions(conn, now - _INTERRUPTED_AFTER)
        for action_id in stale:
            await self.expire(action_id, now)
        for action in due:
            await self._remind(action, now)
        for action_id in stuck:
            await self._interrupted(action_id, now)
        return len(stale) + len(due) + len(stuck)

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

    async def _interrupted(self, action_id: str, now: datetime) -> None:
        """A process stopped mid-run: what it sent may have been made, so an action that sent
        anything ends `unknown`, naming the writes by the ids they were sent with."""
        sent = loaded_writes((await self.actions.load(action_id)).writes)
        state = ActionState.UNKNOWN if sent else ActionState.FAILED
        moved = await self.actions.move(
            action_id, (ActionState.RUNNING,), state, now, result=_interruption(sent)
        )
        if moved:
            action = await self.actions.load(action_id)
            await self.news.audit(action, state.value, None, None, action.result or "", sent)
            card = settled_card(action, now)
            await self.news.update_cards(action, card)
            await self.news.tell_requester(action, card)


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
