"""The live progress card of a job: posted once where the requester reads it, then edited in
place as steps finish, at most every `every` seconds (Slack's chat.update and Teams' activity
update are rate-limited), and once more when the job ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog

from bot.approvals.news import ActionNews
from bot.approvals.notify import Posted
from bot.store.pending import ActionState, PendingAction, save_cards
from cards.reply import Reply
from core.errors import DeliveryError

__all__ = ["CardUpdates"]

log = structlog.get_logger("deskhand.jobs")

Render = Callable[[], Awaitable[tuple[PendingAction, Reply]]]
"""The job as it stands and its card, read when the edit is made."""


@dataclass
class CardUpdates:
    news: ActionNews
    every: float = 3.0
    _due: dict[str, asyncio.Task[None]] = field(default_factory=dict, repr=False)
    _last: dict[str, float] = field(default_factory=dict, repr=False)

    async def started(self, action: PendingAction, card: Reply) -> None:
        """Posts the card to the requester (once per job) and edits the approvers' cards."""
        if not any(stored.get("progress") for stored in action.cards):
            posted = await self._post_to_requester(action, card)
            if posted is not None:
                stored = {**posted.address, "deskhand_channel": posted.channel, "progress": "1"}
                async with self.news.store.engine.begin() as conn:
                    await save_cards(conn, action.id, [*action.cards, stored])
                return
        await self.news.update_cards(action, card)

    def touch(self, action_id: str, render: Render) -> None:
        """A step moved: the card is edited now, or once `every` has passed since the last."""
        if action_id in self._due:
            return
        wait = max(0.0, self._last.get(action_id, 0.0) + self.every - time.monotonic())
        self._due[action_id] = asyncio.create_task(self._later(action_id, render, wait))

    async def finished(self, action: PendingAction, card: Reply) -> None:
        pending = self._due.pop(action.id, None)
        if pending is not None:
            pending.cancel()
        self._last.pop(action.id, None)
        await self.news.update_cards(action, card)

    async def _later(self, action_id: str, render: Render, wait: float) -> None:
        try:
            await asyncio.sleep(wait)
            self._due.pop(action_id, None)
            self._last[action_id] = time.monotonic()
            action, card = await render()
            if action.state is ActionState.RUNNING:  # an ended job's card is `finished`'s
                await self.news.update_cards(action, card)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A card that could not be edited leaves the job running; /job shows it.
            log.exception("job.card_update_failed", action=action_id)

    async def _post_to_requester(self, action: PendingAction, card: Reply) -> Posted | None:
        notifier = self.news.notifiers.get(action.channel)
        address = action.return_address
        destination = address.get("personal") or address.get("conversation") or ""
        if action.channel == "slack":
            destination = address.get("user", "")
        if notifier is None or not destination:
            return None
        try:
            return await notifier.post(destination, card)
        except DeliveryError as error:
            log.warning("job.card_post_failed", action=action.id, error=error.message)
            return None
