"""The scheduler's `Deliverer` in this process: `Senders` built from what the process has.

Slack and Teams post through the notifiers the server adds once its channels are up, which
can be after a caught-up digest starts: a send waits (up to `patience`) for a channel the
settings enable before it counts it as missing. E-mail goes through the Graph client of the
`[digest_mail]` tenant; line managers are looked up in the digest's own tenant.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from bot.approvals.notify import Notifiers
from bot.channels.slack_digests import SlackDigests
from bot.channels.slack_notify import SlackNotifier
from bot.channels.teams_digests import TeamsDigests
from bot.channels.teams_notify import TeamsNotifier
from bot.config import Settings
from bot.config.digest_mail import SANDBOX_DIGEST_MAIL
from bot.pipeline.tenants import TenantDirectory
from bot.schedules.console_files import ConsoleDigests
from bot.schedules.delivery import Found, Recipient, Sent
from bot.schedules.mail import DigestMail
from bot.schedules.managers import LineManagers
from bot.schedules.senders import ChatDigests, Senders
from cards.reply import Reply

__all__ = ["ProcessDeliverer", "process_deliverer"]

_POLL = 0.2


@dataclass
class ProcessDeliverer:
    console: ConsoleDigests
    notifiers: Notifiers
    expected: frozenset[str]
    """The chat channels the settings enable: worth waiting for while the server starts."""
    mail: DigestMail | None = None
    managers: LineManagers | None = None
    patience: float = 60.0
    _chats: dict[int, ChatDigests] = field(default_factory=dict, init=False, repr=False)

    async def expand(
        self, recipient: Recipient, reply: Reply, tenant: str
    ) -> list[tuple[str, Reply]]:
        return await (await self._senders()).expand(recipient, reply, tenant)

    async def send(self, key: str, reply: Reply, mark: str) -> Sent:
        return await (await self._senders()).send(key, reply, mark)

    async def find(self, key: str, mark: str, since: datetime) -> Found:
        return await (await self._senders()).find(key, mark, since)

    async def _senders(self) -> Senders:
        await self._channels_up()
        return Senders(
            self.console,
            slack=self._chat("slack"),
            teams=self._chat("teams"),
            mail=self.mail,
            managers=self.managers,
        )

    async def _channels_up(self) -> None:
        deadline = asyncio.get_running_loop().time() + self.patience
        while any(self.notifiers.get(name) is None for name in self.expected):
            if asyncio.get_running_loop().time() >= deadline:
                return
            await asyncio.sleep(_POLL)

    def _chat(self, name: str) -> ChatDigests | None:
        """One digest sender per notifier: a Slack one keeps the channel names it looked up."""
        notifier = self.notifiers.get(name)
        if notifier is None:
            return None
        built = self._chats.get(id(notifier))
        if built is None:
            if isinstance(notifier, SlackNotifier):
                built = SlackDigests(notifier)
            elif isinstance(notifier, TeamsNotifier):
                built = TeamsDigests(notifier)
            else:
                return None
            self._chats[id(notifier)] = built
        return built


def process_deliverer(
    settings: Settings, directory: TenantDirectory, notifiers: Notifiers
) -> ProcessDeliverer:
    expected = frozenset(
        name
        for name, enabled in (("slack", settings.slack.enabled), ("teams", settings.teams.enabled))
        if enabled
    )
    mail = None
    mailing = settings.digest_mail or (SANDBOX_DIGEST_MAIL if settings.uses_sandbox else None)
    if mailing is not None:
        tenant = directory.resolve(None, hint=mailing.tenant)
        mail = DigestMail(directory.graph(tenant), mailing.sender)
    return ProcessDeliverer(
        console=ConsoleDigests(settings.home / "digests"),
        notifiers=notifiers,
        expected=expected,
        mail=mail,
        managers=LineManagers(lambda name: directory.graph(directory.resolve(None, hint=name))),
    )
