"""Where a reply goes in Slack, and how it gets there.

- Results are normal bot messages in the channel (threaded for mentions), unless the channel
  is shared with another organisation or configured private: then only the requester sees them.
- Errors, usage help and secrets are ephemeral to the requester, never posted.
- Files (exports) go to the requester's direct messages.
- When the bot may not post in a channel, the result goes to the requester's DMs instead.
- A private reply (a confirmation card) is ephemeral to the requester.
- The answer to a click replaces the card clicked, in place: through the click's
  `response_url` (`replace_original`, which also works for ephemeral messages), else with
  `chat.update`. A private answer never replaces a card others can see, and errors never
  replace a card: they come ephemeral, and the card stays usable.
`response_url` is used only for the immediate answer to a slash command or click (Slack allows
it five times in thirty minutes).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

import structlog

from bot.channels.slack_api import SlackApi, require
from bot.channels.slack_mentions import SlackMentions
from cards.blockkit import SlackMessage, render_blockkit
from cards.reply import File, Reply
from core.errors import IntegrationError, Rejected

__all__ = ["Origin", "SlackDelivery", "form_metadata", "is_direct", "read_form_metadata"]

log = structlog.get_logger("deskhand.slack")

_CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
_SHARING_TTL = 300.0


@dataclass(frozen=True)
class Origin:
    """Where a Slack request came from: enough to answer it in the right place.

    Plain fields only: it crosses to worker processes as JSON with the request.
    """

    channel_id: str
    user_id: str
    response_url: str = ""
    trigger_id: str = ""
    thread_ts: str = ""
    message_ts: str = ""
    """The message whose button was clicked (or whose button opened the submitted form)."""
    ephemeral: bool = False
    """That message was ephemeral: only `response_url` can replace it."""
    private: bool = False
    """Only the requester saw what they typed or clicked (slash command, DM, ephemeral card)."""
    values: tuple[tuple[str, str], ...] = ()
    """A submitted form's inputs, by input name."""

    def return_address(self, team_id: str) -> dict[str, str]:
        """Where `SlackNotifier.tell` finds the requester later: ids only, nothing secret
        (a `response_url` can post into the channel, so it stays out)."""
        address = {
            "team": team_id,
            "user": self.user_id,
            "channel": self.channel_id,
            "thread_ts": self.thread_ts,
        }
        return {key: value for key, value in address.items() if value}


def form_metadata(origin: Origin) -> str:
    """What a modal carries back in `private_metadata`: where the form was asked for, so the
    submission is answered there (and replaces the card whose button opened it)."""
    place = {"channel": origin.channel_id, "thread_ts": origin.thread_ts}
    if origin.message_ts:
        place.update(ts=origin.message_ts, ephemeral="1" if origin.ephemeral else "")
    return json.dumps({key: value for key, value in place.items() if value})


def read_form_metadata(text: str) -> dict[str, str]:
    """`form_metadata` read back; a bare channel id (older modals) is still understood."""
    try:
        data = json.loads(text) if text.startswith("{") else {"channel": text}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(key): str(value) for key, value in data.items() if isinstance(value, str)}


def is_direct(channel_id: str) -> bool:
    """A direct message with Deskhand: only the requester reads it."""
    return channel_id.startswith("D")


class SlackDelivery:
    def __init__(
        self,
        api: SlackApi,
        private_channels: frozenset[str],
        mentions: SlackMentions | None = None,
    ) -> None:
        self._api = api
        self._private = private_channels
        self._mentions = mentions or SlackMentions(api)
        self._public_cache: dict[str, tuple[bool, float]] = {}

    async def deliver(self, reply: Reply, origin: Origin) -> None:
        user_ids = await self._mentions.user_ids(reply.mentions) if reply.mentions else {}
        rendered = render_blockkit(reply, user_ids)
        if reply.failed:
            await self.ephemeral(origin, rendered.messages)
            return
        if rendered.modal is not None and origin.trigger_id:
            view = {**rendered.modal, "private_metadata": form_metadata(origin)}
            try:
                await self._api.write("views.open", trigger_id=origin.trigger_id, view=view)
            except IntegrationError as error:  # a trigger id lasts 3 s; the rest still goes out
                log.warning("slack.modal_failed", error=error.message)
        messages = rendered.messages
        # A form opened from a card is for the clicker: the card stays for everyone else.
        private = reply.private or (reply.form is not None and bool(origin.message_ts))
        if messages and reply.form is None and await self._replace(origin, messages[0], private):
            messages = messages[1:]
        if messages and not private and await self._may_post_publicly(origin.channel_id):
            await self._post(origin, messages)
        elif messages:
            await self.ephemeral(origin, messages)
        if rendered.secret is not None:
            await self.ephemeral(origin, (rendered.secret,))
        if rendered.files:
            await self._send_files(origin.user_id, rendered.files)

    async def ephemeral(self, origin: Origin, messages: tuple[SlackMessage, ...]) -> None:
        """Only the requester sees these; they are not kept in the channel's history."""
        for message in messages:
            if origin.response_url:
                await self._api.respond(
                    origin.response_url,
                    text=message.text,
                    blocks=list(message.blocks),
                    response_type="ephemeral",
                    replace_original=False,
                )
            else:
                await self._post_ephemeral(origin, message)

    async def apologise(self, origin: Origin, text: str) -> bool:
        """`text` to the requester alone, by the first route that still works: the
        interaction's `response_url`, an ephemeral message in the channel, a direct message.
        False when none did (each failure is logged)."""
        message = SlackMessage(text, ())
        routes: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        if origin.response_url:
            body = {"text": text, "response_type": "ephemeral", "replace_original": False}
            routes.append(("response_url", partial(self._api.respond, origin.response_url, **body)))
        if origin.channel_id:
            routes.append(("ephemeral", partial(self._post_ephemeral, origin, message)))
        routes.append(("direct_message", partial(self._direct_message, origin.user_id, message)))
        for route, send in routes:
            try:
                await send()
            except IntegrationError as error:
                log.warning("slack.answer_route_failed", route=route, error=error.code)
            else:
                return True
        return False

    async def _post_ephemeral(self, origin: Origin, message: SlackMessage) -> None:
        await self._api.write(
            "chat.postEphemeral",
            channel=origin.channel_id,
            user=origin.user_id,
            text=message.text,
            blocks=list(message.blocks),
            **({"thread_ts": origin.thread_ts} if origin.thread_ts else {}),
        )

    async def _direct_message(self, user_id: str, message: SlackMessage) -> None:
        channel = await self._api.direct_channel(user_id)
        await self._api.write(
            "chat.postMessage", channel=channel, text=message.text, blocks=list(message.blocks)
        )

    async def _replace(self, origin: Origin, message: SlackMessage, private: bool) -> bool:
        """The answer to a click, in place of the card clicked; False when it must not or
        cannot go there (then it is sent as any answer is)."""
        if not origin.message_ts:
            return False
        if not origin.ephemeral and (
            (private and not is_direct(origin.channel_id))
            or not await self._may_post_publicly(origin.channel_id)
        ):
            return False
        if origin.response_url:
            try:
                await self._api.respond(
                    origin.response_url,
                    text=message.text,
                    blocks=list(message.blocks),
                    replace_original=True,
                )
                return True
            except IntegrationError as error:
                log.warning("slack.replace_failed", error=error.code)
        if origin.ephemeral:
            return False  # chat.update cannot reach an ephemeral message
        await self._api.write(
            "chat.update",
            channel=origin.channel_id,
            ts=origin.message_ts,
            text=message.text,
            blocks=list(message.blocks),
        )
        return True

    async def _post(self, origin: Origin, messages: tuple[SlackMessage, ...]) -> None:
        for index, message in enumerate(messages):
            try:
                await self._api.write(
                    "chat.postMessage",
                    channel=origin.channel_id,
                    text=message.text,
                    blocks=list(message.blocks),
                    **({"thread_ts": origin.thread_ts} if origin.thread_ts else {}),
                )
            except Rejected as error:
                if error.code not in _CANNOT_POST:
                    raise
                for rest in messages[index:]:
                    await self._direct_message(origin.user_id, rest)
                note = "I can't post in that channel, so I sent the answer to your DMs."
                await self.ephemeral(origin, (SlackMessage(note, ()),))
                return

    async def _send_files(self, user_id: str, files: tuple[File, ...]) -> None:
        channel = await self._api.direct_channel(user_id)
        for file in files:
            await self._api.upload(
                channel=channel, content=file.content, filename=file.filename, title=file.filename
            )

    async def _may_post_publicly(self, channel_id: str) -> bool:
        """Not in configured-private channels, nor in those shared with another organisation."""
        if channel_id in self._private:
            return False
        if channel_id.startswith("D"):
            return True
        cached = self._public_cache.get(channel_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            answer = await self._api.read("conversations.info", channel=channel_id)
            channel = require(answer, "channel", dict, "conversations.info")
        except IntegrationError as error:
            # Unknown sharing: answer privately rather than risk showing data to outsiders.
            log.warning("slack.channel_info_failed", error=error.code or type(error).__name__)
            return False
        public = not (channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
        self._public_cache[channel_id] = (public, time.monotonic() + _SHARING_TTL)
        return public
