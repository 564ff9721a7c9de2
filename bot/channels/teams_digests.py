"""`TeamsDigests`: scheduled digests in a Teams channel or chat Deskhand was added to.

The card goes first, then the chart as an inline image (`TeamsNotifier.publish`). Teams gives
a bot no way to search a conversation for a message it sent earlier, so `find` answers
UNKNOWN: a resumed send reports an unknown outcome rather than post the digest twice.
"""

from __future__ import annotations

from datetime import datetime

from bot.channels.teams_notify import TeamsNotifier
from bot.schedules.delivery import Found, Recipient
from cards.reply import Reply

__all__ = ["TeamsDigests"]


class TeamsDigests:
    def __init__(self, notifier: TeamsNotifier) -> None:
        self._notifier = notifier

    async def send(self, recipient: Recipient, reply: Reply, mark: str) -> dict[str, str]:
        posted = await self._notifier.publish(recipient.address, reply)
        return {**posted.address, "mark": mark}

    async def find(self, recipient: Recipient, mark: str, since: datetime) -> Found:
        return Found.UNKNOWN
