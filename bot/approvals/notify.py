"""Messages Deskhand sends without being asked: approval cards, outcomes, reminders.

Each chat channel that can post on its own (Slack, Teams) provides a `Notifier`; the approvals
desk holds them by channel name. Addresses are plain string mappings the channel alone reads,
so they can be stored with a pending action and used by any replica.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cards.reply import Reply

__all__ = ["Notifier", "Notifiers", "Posted"]


@dataclass(frozen=True)
class Posted:
    """A message a channel posted, to edit later."""

    channel: str
    address: Mapping[str, str]


class Notifier(Protocol):
    channel: str
    """The channel's name: "slack" or "teams", as in `Invocation.channel`."""

    async def post(self, destination: str, reply: Reply) -> Posted:
        """Posts `reply` as a normal message in `destination` (a channel or conversation id),
        mentioning `reply.mentions`; raises DeliveryError when it cannot."""
        ...

    async def update(self, posted: Posted, reply: Reply) -> None:
        """Replaces a posted message with `reply`."""
        ...

    async def tell(self, address: Mapping[str, str], reply: Reply) -> None:
        """Tells the person at `address` (an Invocation's return address) privately; a
        `reply.secret` goes only where only they can read it."""
        ...


@dataclass
class Notifiers:
    """The notifiers of the channels this process serves; filled in as channels start."""

    by_channel: dict[str, Notifier] = field(default_factory=dict)

    def add(self, notifier: Notifier) -> None:
        self.by_channel[notifier.channel] = notifier

    def get(self, channel: str) -> Notifier | None:
        return self.by_channel.get(channel)

    def names(self) -> Sequence[str]:
        return sorted(self.by_channel)
