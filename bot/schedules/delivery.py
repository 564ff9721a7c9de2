"""Where a scheduled digest goes, as the schedules see it: recipients, and the protocol the
delivery side implements (`Deliverer`). Types only: the real deliverer lives beside it, and
tests use a recording one.

A message is sent at least once by its step, so each carries a `mark` unique to (schedule,
slot, key): a resumed send first asks `find` whether a message with that mark already went out.
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
    label: str
    """As the person typed it (`#it-managers`), for /schedule list."""


@dataclass(frozen=True)
class Sent:
    recipient: str
    ref: Mapping[str, str]
    """Where it went: channel and ts, conversation and activity id, mail id."""


class Found(StrEnum):
    SENT = "sent"
    NOT_SENT = "not-sent"
    UNKNOWN = "unknown"


class Deliverer(Protocol):
    async def expand(
        self, recipient: Recipient, reply: Reply, tenant: str
    ) -> list[tuple[str, Reply]]:
        """The messages one recipient means: one (key, reply) for most; `managers` one per
        line manager (key "mail:<address>"), each reply with only that manager's reports' rows."""
        ...

    async def send(self, key: str, reply: Reply, mark: str) -> Sent:
        """Sends one message, carrying `mark` (Slack message metadata, an e-mail header)."""
        ...

    async def find(self, key: str, mark: str, since: datetime) -> Found:
        """Whether a message with `mark` went out to `key` since `since`; UNKNOWN where the
        channel cannot be checked (Teams)."""
        ...
