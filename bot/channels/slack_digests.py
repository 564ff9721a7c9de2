"""`SlackDigests`: scheduled digests in Slack, marked so that a resumed send can find them.

- A channel is named by id or by `#name`; names are looked up once with `conversations.list`
  and kept (again on a miss, for a channel created since).
- A person is named by user id or e-mail (`users.lookupByEmail`); the digest goes to their
  direct messages with Deskhand (`conversations.open`).
- The message carries Slack message metadata, `{"event_type": "deskhand_digest",
  "event_payload": {"mark": mark}}` (chat.postMessage's `metadata`); the chart and any CSV
  are uploaded into the same conversation after it (`SlackNotifier.publish`).
- `find` reads `conversations.history` from the time the send began, with
  `include_all_metadata`, for a message carrying the mark. The mark sits on the first message,
  so a send that stopped between the message and its chart counts as sent: the chart is lost,
  but the digest never shows twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog

from bot.channels.slack_api import require
from bot.channels.slack_notify import SlackNotifier
from bot.schedules.delivery import Found, Recipient
from cards.reply import Reply
from core.errors import DeliveryError, IntegrationError

__all__ = ["EVENT_TYPE", "SlackDigests"]

log = structlog.get_logger("deskhand.slack")

EVENT_TYPE = "deskhand_digest"
_PAGE = "200"
_CHANNEL_TYPES = "public_channel,private_channel"


class SlackDigests:
    def __init__(self, notifier: SlackNotifier) -> None:
        """Posts through `notifier`, and reads and looks people up with its own API client."""
        self._notifier = notifier
        self._api = notifier.api
        self._mentions = notifier.mentions
        self._channel_ids: dict[str, str] = {}

    async def send(self, recipient: Recipient, reply: Reply, mark: str) -> dict[str, str]:
        """Posts the digest; where it went (channel and ts)."""
        channel = await self._conversation(recipient)
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"mark": mark}}
        posted = await self._notifier.publish(channel, reply, metadata=metadata)
        return dict(posted.address)

    async def find(self, recipient: Recipient, mark: str, since: datetime) -> Found:
        try:
            channel = await self._conversation(recipient)
            return await self._history_has(channel, mark, since)
        except (DeliveryError, IntegrationError) as error:
            log.warning("slack.digest_find_failed", error=_code(error))
            return Found.UNKNOWN

    async def _history_has(self, channel: str, mark: str, since: datetime) -> Found:
        cursor = ""
        while True:
            page = await self._api.read(
                "conversations.history",
                channel=channel,
                oldest=f"{since.timestamp():.6f}",
                include_all_metadata="true",
                limit=_PAGE,
                **({"cursor": cursor} if cursor else {}),
            )
            if any(_marked(message, mark) for message in page.get("messages") or ()):
                return Found.SENT
            cursor = _next_cursor(page)
            if not cursor:
                return Found.NOT_SENT

    async def _conversation(self, recipient: Recipient) -> str:
        """The channel id to post in: the channel's, or the DM's with the person."""
        if recipient.kind == "slack_dm":
            return await self._direct(recipient.address)
        if recipient.kind != "slack_channel":
            raise ValueError(f"not a Slack recipient: {recipient.kind}")
        if not recipient.address.startswith("#"):
            return recipient.address
        return await self._channel_id(recipient.address[1:])

    async def _direct(self, person: str) -> str:
        user = person
        if "@" in person:
            user = (await self._mentions.user_ids([person])).get(person.lower(), "")
            if not user:
                raise DeliveryError(f"Slack has no member with the e-mail address {person}.")
        try:
            return await self._api.direct_channel(user)
        except IntegrationError as error:
            raise DeliveryError(
                f"Slack would not open a DM with {person} ({_code(error)})."
            ) from None

    async def _channel_id(self, name: str) -> str:
        if name not in self._channel_ids:
            self._channel_ids = await self._list_channels()
        found = self._channel_ids.get(name)
        if found is None:
            raise DeliveryError(
                f"Deskhand sees no Slack channel #{name}; check the name, or invite Deskhand "
                "to the channel if it is private."
            )
        return found

    async def _list_channels(self) -> dict[str, str]:
        names: dict[str, str] = {}
        cursor = ""
        try:
            while True:
                page = await self._api.read(
                    "conversations.list",
                    types=_CHANNEL_TYPES,
                    exclude_archived="true",
                    limit="1000",
                    **({"cursor": cursor} if cursor else {}),
                )
                channels = require(page, "channels", list, "conversations.list")
                names.update(_named(channel) for channel in channels if _named(channel)[0])
                cursor = _next_cursor(page)
                if not cursor:
                    return names
        except IntegrationError as error:
            raise DeliveryError(f"Slack would not list its channels ({_code(error)}).") from None


def _named(channel: Any) -> tuple[str, str]:
    if not isinstance(channel, Mapping):
        return "", ""
    return str(channel.get("name") or ""), str(channel.get("id") or "")


def _marked(message: Any, mark: str) -> bool:
    metadata = message.get("metadata") if isinstance(message, Mapping) else None
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != EVENT_TYPE:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, Mapping) and payload.get("mark") == mark


def _next_cursor(page: Mapping[str, Any]) -> str:
    meta = page.get("response_metadata")
    cursor = meta.get("next_cursor") if isinstance(meta, Mapping) else None
    return cursor if isinstance(cursor, str) else ""


def _code(error: DeliveryError | IntegrationError) -> str:
    return getattr(error, "code", "") or type(error).__name__
