"""`Senders`: the one `Deliverer` the scheduler holds, handing each key to its channel.

A key is a recipient in the form `parse_recipient` reads (`recipient_key`), so it names the
same place after a restart. A channel this process does not serve (Slack without a token,
e-mail without `[digest_mail]`) refuses the send with a DeliveryError that says so, and its
`find` answers UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.schedules.console_files import ConsoleDigests
from bot.schedules.delivery import Found, Recipient, Sent
from bot.schedules.mail import DigestMail
from bot.schedules.managers import LineManagers
from bot.schedules.recipients import parse_recipient, recipient_key
from cards.reply import Reply
from core.errors import DeliveryError

__all__ = ["ChatDigests", "Senders"]


class ChatDigests(Protocol):
    """A chat channel's digest sender (`SlackDigests`, `TeamsDigests`)."""

    async def send(self, recipient: Recipient, reply: Reply, mark: str) -> Mapping[str, str]: ...

    async def find(self, recipient: Recipient, mark: str, since: datetime) -> Found: ...


@dataclass(frozen=True)
class Senders:
    console: ConsoleDigests
    slack: ChatDigests | None = None
    teams: ChatDigests | None = None
    mail: DigestMail | None = None
    managers: LineManagers | None = None

    async def expand(
        self, recipient: Recipient, reply: Reply, tenant: str
    ) -> list[tuple[str, Reply]]:
        if recipient.kind != "managers":
            return [(recipient_key(recipient), reply)]
        if self.managers is None or self.mail is None:
            raise DeliveryError(_NOT_SERVED["managers"])
        return await self.managers.split(reply, tenant)

    async def send(self, key: str, reply: Reply, mark: str) -> Sent:
        recipient = parse_recipient(key)
        ref: Mapping[str, str]
        match recipient.kind:
            case "console":
                ref = await self.console.send(reply, mark)
            case "mail":
                ref = await self._mail().send(recipient.address, reply, mark)
            case "managers":
                raise ValueError("`managers` is expanded into e-mail keys before sending")
            case _:
                ref = await self._chat(recipient).send(recipient, reply, mark)
        return Sent(key, dict(ref))

    async def find(self, key: str, mark: str, since: datetime) -> Found:
        recipient = parse_recipient(key)
        match recipient.kind:
            case "console":
                return await self.console.find(mark, since)
            case "mail":
                return (
                    await self.mail.find(recipient.address, mark, since)
                    if self.mail
                    else Found.UNKNOWN
                )
            case "managers":
                return Found.UNKNOWN
        chat = self.slack if recipient.kind.startswith("slack") else self.teams
        return await chat.find(recipient, mark, since) if chat else Found.UNKNOWN

    def _mail(self) -> DigestMail:
        if self.mail is None:
            raise DeliveryError(_NOT_SERVED["mail"])
        return self.mail

    def _chat(self, recipient: Recipient) -> ChatDigests:
        name = "slack" if recipient.kind.startswith("slack") else "teams"
        chat = self.slack if name == "slack" else self.teams
        if chat is None:
            raise DeliveryError(_NOT_SERVED[name])
        return chat


_NOT_SERVED = {
    "slack": "Deskhand is not connected to Slack here, so it cannot post the digest there.",
    "teams": "Deskhand is not connected to Teams here, so it cannot post the digest there.",
    "mail": "Digest e-mail needs [digest_mail] (tenant and sender) in deskhand.toml.",
    "managers": "Digests to line managers go by e-mail: set [digest_mail] in deskhand.toml.",
}
