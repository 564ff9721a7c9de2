"""What the scheduler asks of delivery: where a digest goes, and whether it already went.

A send is a step and steps run at least once, so every message carries a `mark` unique per
(schedule, slot, key); a resumed send first asks `find` whether a message with that mark went
out, and where a channel cannot be searched it answers UNKNOWN rather than risk a second copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from cards.reply import Reply

__all__ = ["Deliverer", "Found", "Recipient", "RecipientKind", "Sent"]

RecipientKind = Literal["slack_channel", "slack_dm", "teams", "mail", "managers", "console"]


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    address: str
    """The channel id or `#name`, the Slack user id or e-mail, the Teams conversation id, the
    e-mail address; "" for `managers` and `console`."""
    label: str
    """How people read it in /schedule list."""


@dataclass(frozen=True)
class Sent:
    recipient: str
    ref: Mapping[str, str]
    """Where it went: channel and ts, conversation and activity, sender and mark, file paths."""


class Found(StrEnum):
    SENT = "sent"
    NOT_SENT = "not-sent"
    UNKNOWN = "unknown"


class Deliverer(Protocol):
    async def expand(
        self, recipient: Recipient, reply: Reply, tenant: str
    ) -> list[tuple[str, Reply]]:
        """The messages one recipient means: one (key, reply) for most; `managers` one per line
        manager (key "mail:<address>"), each reply with only that manager's reports' rows."""
        ...

    async def send(self, key: str, reply: Reply, mark: str) -> Sent:
        """Sends `reply` to `key`, marked with `mark`; raises DeliveryError when it cannot."""
        ...

    async def find(self, key: str, mark: str, since: datetime) -> Found:
        """Whether a message with `mark` went to `key` since `since`."""
        ...
