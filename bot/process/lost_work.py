"""Requests a process acknowledged and died holding: each person is told, once, privately.

`tell_lost` runs at start-up for the process's own executor id (a process started again with
the same id finds its leftovers), and for replicas whose lease has expired.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from bot.approvals.notify import Notifiers
from bot.store import Store
from bot.store.inbox import InboxEntry, forget_entries, unanswered
from cards.reply import Level, Notice, Reply
from core.errors import DeskhandError

__all__ = ["LOST", "lost_reply", "tell_lost"]

log = structlog.get_logger("deskhand.inbox")

LOST = (
    "Deskhand restarted before answering `{summary}` (sent {sent} UTC); nothing was changed by "
    "it: send it again."
)


def lost_reply(entry: InboxEntry) -> Reply:
    text = LOST.format(summary=entry.summary, sent=entry.received_at.strftime("%H:%M"))
    return Reply(blocks=(Notice(Level.WARNING, text),), level=Level.WARNING, private=True)


async def tell_lost(
    store: Store, notifiers: Notifiers, owner: str, *, received_before: datetime | None = None
) -> int:
    """Tell the person of every request `owner` left unanswered; returns how many were told
    or tried. Each row is taken (deleted) before its person is told, so two replicas telling
    the same dead one's leftovers tell each person once. A person who cannot be reached is
    logged (ids, never what was asked): their row is gone all the same.

    `received_before`: rows from then on are requests `owner` holds now, not leftovers.
    """
    async with store.engine.connect() as conn:
        entries = await unanswered(conn, owner, received_before=received_before)
    told = 0
    for entry in entries:
        async with store.engine.begin() as conn:
            taken = await forget_entries(conn, [entry.id]) == 1
        if taken:
            await _tell(notifiers, entry)
            told += 1
    if told:
        log.info("inbox.lost_told", owner=owner, count=told)
    return told


async def _tell(notifiers: Notifiers, entry: InboxEntry) -> None:
    notifier = notifiers.get(entry.channel)
    if notifier is None:
        log.warning(
            "inbox.lost_untold", request_id=entry.id, channel=entry.channel, reason="no notifier"
        )
        return
    try:
        await notifier.tell(entry.return_address, lost_reply(entry))
    except DeskhandError as error:  # DeliveryError, mostly
        log.warning(
            "inbox.lost_untold",
            request_id=entry.id,
            channel=entry.channel,
            person=entry.person,
            reason=error.message,
        )
