"""`SlackNotifier`: what Deskhand says in Slack without being asked (approval cards, outcomes).

- `post` puts a normal message in a channel (approvers mentioned by e-mail, looked up with
  `users.lookupByEmail`) and returns its channel and ts.
- `publish` posts a message a channel asked for (a scheduled digest): its files and the CSV of
  tables too long to show are uploaded into the same channel after it, and Slack message
  metadata goes with its first message, so that the message can be found again
  (`conversations.history` with `include_all_metadata`).
- `update` edits that message with `chat.update`. Slack allows about one update a second per
  channel, so calls to one channel are spaced a second apart (a `ratelimited` answer is still
  retried after the Retry-After Slack sends, by `SlackApi`).
- `tell` reaches the requester privately: through the request's `response_url` while Slack
  still takes it (an inbox row's address carries one), else ephemeral in the channel they
  asked from, else in their direct messages with Deskhand. A secret is only ever ephemeral
  (in that channel or in the DM): never kept in a conversation's history, never posted where
  others can read it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

from bot.approvals.notify import Posted
from bot.channels.slack_api import SlackApi
from bot.channels.slack_delivery import is_direct
from bot.channels.slack_mentions import SlackMentions
from cards.blockkit import SlackMessage, render_blockkit
from cards.reply import Reply
from core.errors import DeliveryError, IntegrationError

__all__ = ["SlackNotifier"]

log = structlog.get_logger("deskhand.slack")

CHANNEL = "slack"
_SECRET_LOST = (
    "Deskhand could not show you the secret privately, so it is not shown at all. "
    "Run the command again to get a new one."
)

Sleep = Callable[[float], Awaitable[None]]


class SlackNotifier:
    channel = CHANNEL

    def __init__(
        self,
        api: SlackApi,
        *,
        mentions: SlackMentions | None = None,
        spacing: float = 1.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """`spacing` is the least time between two calls that write to one channel;
        `wall_clock` says whether a `response_url` is still good."""
        self._api = api
        self._mentions = mentions or SlackMentions(api)
        self._spacing = spacing
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._next_slot: dict[str, float] = {}

    @property
    def api(self) -> SlackApi:
        return self._api

    @property
    def mentions(self) -> SlackMentions:
        return self._mentions

    async def post(self, destination: str, reply: Reply) -> Posted:
        return await self._post(destination, await self._render(reply))

    async def publish(
        self, destination: str, reply: Reply, *, metadata: Mapping[str, object]
    ) -> Posted:
        """`reply` with its files in `destination` (never its secret); `metadata` is Slack's
        message metadata (`event_type`, `event_payload`) for the first message."""
        rendered = render_blockkit(dataclasses.replace(reply, secret=""))
        if not rendered.messages:
            raise DeliveryError("There was nothing to post in Slack.")
        posted = await self._post(destination, rendered.messages, metadata)
        channel = posted.address["channel"]
        for file in rendered.files:
            try:
                await self._api.upload(
                    channel=channel,
                    content=file.content,
                    filename=file.filename,
                    title=file.filename,
                )
            except IntegrationError as error:
                raise DeliveryError(
                    f"The message is in Slack, but {file.filename} could not be uploaded "
                    f"({error.code or type(error).__name__})."
                ) from None
        return posted

    async def _post(
        self,
        destination: str,
        messages: tuple[SlackMessage, ...],
        metadata: Mapping[str, object] | None = None,
    ) -> Posted:
        first: dict[str, str] = {}
        for message in messages:
            marked = {"metadata": dict(metadata)} if metadata is not None and not first else {}
            answer = await self._write(
                destination,
                "chat.postMessage",
                channel=destination,
                text=message.text,
                blocks=list(message.blocks),
                **marked,
            )
            # Buttons sit on the last page, but a card that pages is not a card to edit:
            # the first message stands for the post.
            first = first or {
                "channel": str(answer.get("channel") or destination),
                "ts": str(answer.get("ts", "")),
            }
        if not first.get("ts"):
            raise DeliveryError(f"Slack did not say where it posted in {destination}.")
        return Posted(CHANNEL, first)

    async def update(self, posted: Posted, reply: Reply) -> None:
        channel, ts = posted.address.get("channel", ""), posted.address.get("ts", "")
        if not channel or not ts:
            raise DeliveryError("That Slack message has no channel and ts on record.")
        message = (await self._render(reply))[0]
        await self._write(
            channel,
            "chat.update",
            channel=channel,
            ts=ts,
            text=message.text,
            blocks=list(message.blocks),
        )

    async def tell(self, address: Mapping[str, str], reply: Reply) -> None:
        user = address.get("user", "")
        if not user:
            raise DeliveryError("Deskhand does not know who to tell in Slack.")
        rendered = render_blockkit(reply)
        where = {"channel": address.get("channel", ""), "thread_ts": address.get("thread_ts", "")}
        told = not rendered.secret and await self._respond(address, rendered.messages)
        if where["channel"] and not told:
            try:
                for message in rendered.messages:
                    await self._ephemeral(where, user, message)
                told = True
            except DeliveryError as error:
                log.info("slack.tell_ephemeral_failed", error=error.message)
        direct: dict[str, str] | None = None
        if not told:
            direct = {"channel": await self._direct_channel(user), "thread_ts": ""}
            for message in rendered.messages:
                await self._write(
                    direct["channel"],
                    "chat.postMessage",
                    channel=direct["channel"],
                    text=message.text,
                    blocks=list(message.blocks),
                )
        if rendered.secret is not None:
            await self._tell_secret(where if told else direct, user, rendered.secret)
        if rendered.files:
            log.warning("slack.tell_files_dropped", count=len(rendered.files))

    async def _respond(
        self, address: Mapping[str, str], messages: tuple[SlackMessage, ...]
    ) -> bool:
        """Ephemeral through the interaction's `response_url`, if it is still good; False when
        there is none or Slack refused it."""
        url, until = address.get("response_url", ""), address.get("response_url_until", "")
        if not url or not until.isdigit() or int(until) <= self._wall_clock():
            return False
        try:
            for message in messages:
                await self._api.respond(
                    url,
                    text=message.text,
                    blocks=list(message.blocks),
                    response_type="ephemeral",
                    replace_original=False,
                )
        except IntegrationError as error:
            log.info("slack.tell_response_url_failed", error=error.code)
            return False
        return True

    async def _tell_secret(
        self, where: Mapping[str, str] | None, user: str, secret: SlackMessage
    ) -> None:
        """Ephemeral where the rest went, else ephemeral in the DM, else nowhere (and said so)."""
        if where is not None:
            try:
                await self._ephemeral(where, user, secret)
                return
            except DeliveryError as error:
                log.info("slack.tell_secret_failed", error=error.message)
            if is_direct(where["channel"]):
                await self._say(where["channel"], _SECRET_LOST)
                return
        direct = await self._direct_channel(user)
        try:
            await self._ephemeral({"channel": direct}, user, secret)
        except DeliveryError as error:
            log.info("slack.tell_secret_failed", error=error.message)
            await self._say(direct, _SECRET_LOST)

    async def _say(self, channel: str, text: str) -> None:
        await self._write(channel, "chat.postMessage", channel=channel, text=text)

    async def _ephemeral(self, where: Mapping[str, str], user: str, message: SlackMessage) -> None:
        thread = {"thread_ts": where["thread_ts"]} if where.get("thread_ts") else {}
        await self._write(
            where["channel"],
            "chat.postEphemeral",
            channel=where["channel"],
            user=user,
            text=message.text,
            blocks=list(message.blocks),
            **thread,
        )

    async def _render(self, reply: Reply) -> tuple[SlackMessage, ...]:
        if reply.secret or reply.files:
            # Notifications are seen by a channel: a secret or a file never goes with them.
            log.warning("slack.notify_private_parts_dropped")
        user_ids = await self._mentions.user_ids(reply.mentions) if reply.mentions else {}
        messages = render_blockkit(reply, user_ids).messages
        if not messages:
            raise DeliveryError("There was nothing to post in Slack.")
        return messages

    async def _direct_channel(self, user: str) -> str:
        try:
            return await self._api.direct_channel(user)
        except IntegrationError as error:
            raise _undelivered(error) from None

    async def _write(self, lane: str, method: str, /, **args: Any) -> dict[str, Any]:
        """One Web API call, spaced from the last one to the channel `lane`."""
        await self._wait_turn(lane)
        try:
            return await self._api.write(method, **args)
        except IntegrationError as error:
            raise _undelivered(error) from None

    async def _wait_turn(self, channel: str) -> None:
        if not channel or self._spacing <= 0:
            return
        now = self._clock()
        slot = max(now, self._next_slot.get(channel, now))
        self._next_slot[channel] = slot + self._spacing
        if slot > now:
            await self._sleep(slot - now)


def _undelivered(error: IntegrationError) -> DeliveryError:
    return DeliveryError(f"Slack refused the message ({error.code or type(error).__name__}).")
