"""The Slack channel: slack-bolt listeners turn Slack's requests into Invocations, and
Replies go back through `SlackDelivery`.

Every listener acks at once and hands the request, as JSON, to a hand-off
(`bot.process.handoff`): Deskhand's work group here, or worker processes (`bot.process.workers`)
that call `serve` with it. So Slack gets its answer within its three seconds, and shutdown
still lets the command finish. Each request acknowledged is written to the inbox
(`bot.process.inbox`) before it is served and struck off once answered, so a crash in between
is told to its person at the next start (`bot.process.lost_work`).
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import aiohttp
import structlog
from aiohttp import web
from pydantic import TypeAdapter
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.shape import Malformed, refuse_malformed
from bot.channels.slack_api import SlackApi, require
from bot.channels.slack_delivery import Origin, SlackDelivery, is_direct, read_form_metadata
from bot.channels.slack_gate import SlackGate, event_key
from bot.channels.slack_identity import SlackIdentities
from bot.channels.slack_shape import read_slack_body
from bot.channels.slack_socket import CheckedSocketModeHandler
from bot.config.slack import SlackSettings
from bot.pipeline.invocation import Invocation, new_request_id
from bot.pipeline.messages import could_not_answer, crashed
from bot.pipeline.router import Router
from bot.process.handoff import Handoff, InProcess
from bot.process.inbox import Inbox, click_summary, typed_summary
from bot.process.tasks import Shares, WorkGroup
from bot.store import Store
from cards.blockkit import BUTTON_ACTION_PREFIX, FORM_CALLBACK_PREFIX
from cards.blockkit_controls import submitted_values
from cards.reply import Reply
from core.errors import AuthFailed, ConfigurationError, DeskhandError, IntegrationError

__all__ = ["BUSY", "YOUR_SHARE", "SlackChannel", "plain_text"]

log = structlog.get_logger("deskhand.slack")

_MENTION = re.compile(r"<@[A-Z0-9]+>")
_DELIVERY = "deskhand_delivery_key"
BUSY = "Deskhand is busy right now and did not run that; try again in a minute."
YOUR_SHARE = (
    "You have {count} commands running; wait for one to finish before sending another. "
    "Deskhand did not run that."
)
_LINK = re.compile(r"<(?:mailto:)?([^<>|]+)(?:\|([^<>]+))?>")
RESPONSE_URL_LIFETIME = 30 * 60
"""Seconds Slack takes posts to an interaction's `response_url` (five of them at most)."""


def plain_text(text: str) -> str:
    """What the person typed: Slack's `<mailto:a@b|a@b>` links and `&amp;` escapes undone."""
    return html.unescape(_LINK.sub(lambda m: m.group(2) or m.group(1), text)).strip()


@dataclass(frozen=True)
class _Request:
    """A Slack request to serve after its ack; crosses to worker processes as JSON."""

    team_id: str
    origin: Origin
    claims: tuple[str, ...]
    """Delivery keys to claim first, so it runs once across replicas."""
    line: str = ""
    action: str = ""
    forget: bool = False
    """Not a command: Slack said this person's account changed (`user_change`); every
    process drops what it cached of them, and nothing is answered."""
    request_id: str = ""
    """Given at the ack: the request's inbox row, log lines and audit record carry it."""


_REQUESTS = TypeAdapter(_Request)


def _claims(context: AsyncBoltContext, body: dict[str, Any]) -> tuple[str, ...]:
    """What makes this delivery unique: its signature over HTTP, else (Socket Mode) the
    interaction's trigger id, which Slack makes anew for every command and click."""
    key = context.get(_DELIVERY)
    if isinstance(key, str) and key:
        return (key,)
    trigger = body.get("trigger_id")
    return (f"slack-trigger:{trigger}",) if isinstance(trigger, str) and trigger else ()


class SlackChannel:
    def __init__(
        self,
        *,
        settings: SlackSettings,
        router: Router,
        store: Store,
        inbox: Inbox,
        work: WorkGroup,
        handoff: Handoff | None = None,
    ) -> None:
        """Requests run in `work` after their ack, unless `handoff` takes them elsewhere;
        `inbox` keeps each acknowledged request until it is answered."""
        if settings.bot_token is None:
            raise ValueError("SlackChannel needs SLACK_BOT_TOKEN")
        token = settings.bot_token.get_secret_value()
        secret = settings.signing_secret.get_secret_value() if settings.signing_secret else None
        self._settings = settings
        self._router = router
        self._inbox = inbox
        self._work: Handoff = handoff or InProcess(work, self.serve, name="slack request")
        self.api = SlackApi(AsyncWebClient(token=token, base_url=settings.api_url))
        # Without a signing secret (Socket Mode) HTTP is refused, but deliveries are still
        # claimed once, so a retried event never runs twice.
        self._gate = SlackGate(secret or "", store)
        self._http = secret is not None
        # The client carries the token; bolt warns at start-up when given both.
        self.app = AsyncApp(
            signing_secret=secret,
            client=self.api.client,
            process_before_response=True,
            # SlackGate has verified the signature before bolt sees the request.
            request_verification_enabled=False,
            # Deskhand defines no Slack workflow functions: no middleware on every ack for them.
            attaching_function_token_enabled=False,
        )
        self.app.error(_listener_crashed)
        self._delivery = SlackDelivery(self.api, frozenset(settings.private_channels))
        self._identities: SlackIdentities | None = None
        # One person's share of the hand-off, before its global bound (`has_room`).
        self._shares = Shares(settings.per_person_in_flight)
        self._register()

    async def start(self) -> None:
        """Open the Web API connection pool; learn the token's workspace (`auth.test`).

        Raises ConfigurationError, naming the setting to check, when Slack cannot be reached
        (after the retry policy's tries) or refuses the token.
        """
        self.api.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        try:
            answer = await self.api.read("auth.test")
            team_id = require(answer, "team_id", str, "auth.test")
        except AuthFailed as error:
            raise ConfigurationError(
                f"Slack refused the bot token ({error.code}); check SLACK_BOT_TOKEN."
            ) from None
        except IntegrationError as error:
            raise ConfigurationError(
                f"Cannot reach Slack's Web API at {self._settings.api_url} "
                f"({error.code or 'no connection'}); check DESKHAND_SLACK_API_URL (unset means "
                "Slack's own) and the network."
            ) from None
        self._identities = SlackIdentities(self.api, team_id)

    async def close(self) -> None:
        if self.api.client.session is not None:
            await self.api.client.session.close()

    async def connect_socket_mode(self) -> AsyncSocketModeHandler:
        """Receive Slack's requests over a WebSocket (installs without public ingress)."""
        if self._settings.app_token is None:
            raise ConfigurationError("Socket Mode needs SLACK_APP_TOKEN (an xapp- token).")
        handler = CheckedSocketModeHandler(self.app, self._settings.app_token.get_secret_value())
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
        except (SlackApiError, aiohttp.ClientError, OSError) as error:
            await handler.close_async()  # type: ignore[no-untyped-call]
            raise ConfigurationError(
                f"Cannot open Slack's Socket Mode connection ({type(error).__name__}); check "
                "SLACK_APP_TOKEN (an xapp- token with connections:write) and the network."
            ) from None
        return handler

    async def handle_http(self, request: web.Request) -> web.Response:
        """`POST /slack/events`: slash commands, events, clicks and form submissions."""
        body = await request.text()
        if not self._http:
            return web.json_response({"error": "Slack over HTTP is not configured"}, status=404)
        key, refusal = self._gate.admit(body, request.headers)
        if refusal:
            log.warning("slack.refused", reason=refusal)
            return web.json_response({"error": refusal}, status=401)
        read = read_slack_body(body, request.content_type)
        if isinstance(read, Malformed):
            return refuse_malformed("slack", read)
        # Handed over parsed, the way bolt takes Socket Mode's requests (its own signature
        # check, the only use of the raw body, is off: the gate above checked it).
        bolt_request = AsyncBoltRequest(
            body=read,
            query=request.query_string,
            headers=dict(request.headers),
            context={_DELIVERY: key},
            mode="socket_mode",
        )
        response = await self.app.async_dispatch(bolt_request)
        if response.status == 404 and bolt_request.body.get("type") == "event_callback":
            # An event no listener takes: Slack wants 200 for every event, else it retries.
            response = BoltResponse(status=200, body="")
        return await to_aiohttp_response(response)

    def _register(self) -> None:
        commands = "|".join(re.escape(c) for c in self._settings.slash_commands)
        self.app.command(re.compile(f"^({commands})$"))(self._on_command)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("user_change")(self._on_user_change)
        self.app.action(re.compile("^" + re.escape(BUTTON_ACTION_PREFIX)))(self._on_click)
        self.app.view(re.compile("^" + re.escape(FORM_CALLBACK_PREFIX)))(self._on_form)

    async def _on_command(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        who = _person(str(body["team_id"]), str(body["user_id"]))
        if self._shares.full(who):
            # The ack itself carries the answer: nothing queued, nothing lost.
            await ack(text=YOUR_SHARE.format(count=self._shares.held(who)))
            return
        if not self._work.has_room:
            await ack(text=BUSY)
            return
        await ack()
        command, text = str(body["command"]), plain_text(str(body.get("text", "")))
        line = text if command == self._settings.command else f"{command} {text}"
        origin = Origin(
            channel_id=str(body["channel_id"]),
            user_id=str(body["user_id"]),
            response_url=str(body.get("response_url", "")),
            trigger_id=str(body.get("trigger_id", "")),
            private=True,  # Slack shows no one else what was typed after a slash command
        )
        request = _Request(
            str(body["team_id"]), origin, _claims(context, body), line=line or "help"
        )
        asked = typed_summary(self._router.registry, request.line)
        self._spawn(request, str(body.get("user_name", "")), asked)

    async def _on_mention(
        self, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        text = plain_text(_MENTION.sub("", str(event.get("text", ""))))
        origin = Origin(
            channel_id=str(event["channel"]),
            user_id=str(event["user"]),
            thread_ts=str(event.get("thread_ts") or event.get("ts", "")),
            private=is_direct(str(event["channel"])),
        )
        # Slack retries an event with a new signature but the same event id.
        claims = (*_claims(context, body), event_key(str(body.get("event_id"))))
        team = str(event.get("user_team") or body["team_id"])
        request = _Request(team, origin, claims, line=text or "help")
        self._spawn(request, "", typed_summary(self._router.registry, request.line))

    async def _on_user_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A person's account changed (deactivated, say): what any process cached of them
        goes, so their next request is judged afresh. Sent to every process, unclaimed."""
        user = event.get("user") or {}
        team = str(user.get("team_id") or body.get("team_id", ""))
        forget = _Request(team, Origin("", str(user.get("id", ""))), (), forget=True)
        self._work.broadcast(_REQUESTS.dump_json(forget).decode())

    async def _on_click(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        user = body.get("user") or {}
        channel = body.get("channel") or {}
        message = body.get("message") or {}
        container = body.get("container") or {}
        ephemeral = bool(container.get("is_ephemeral"))
        channel_id = str(channel.get("id") or container.get("channel_id", ""))
        origin = Origin(
            channel_id=channel_id,
            user_id=str(user.get("id", "")),
            response_url=str(body.get("response_url", "")),
            trigger_id=str(body.get("trigger_id", "")),
            thread_ts=str(message.get("thread_ts", "")),
            message_ts=str(container.get("message_ts") or message.get("ts", "")),
            ephemeral=ephemeral,
            private=ephemeral or is_direct(channel_id),
        )
        team = str(user.get("team_id") or (body.get("team") or {}).get("id", ""))
        clicked = str(action.get("value", ""))
        request = _Request(team, origin, _claims(context, body), action=clicked)
        self._spawn(request, _name(user), click_summary(clicked))

    async def _on_form(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        view = body.get("view") or {}
        user = body.get("user") or {}
        place = read_form_metadata(str(view.get("private_metadata", "")))
        origin = Origin(
            channel_id=place.get("channel", ""),
            user_id=str(user.get("id")),
            thread_ts=place.get("thread_ts", ""),
            message_ts=place.get("ts", ""),
            ephemeral=bool(place.get("ephemeral")),
            private=True,  # typed into a modal only the submitter sees
            values=tuple(submitted_values((view.get("state") or {}).get("values") or {}).items()),
        )
        form_id = str(view.get("callback_id", "")).removeprefix(FORM_CALLBACK_PREFIX)
        team = str(user.get("team_id", ""))
        request = _Request(team, origin, _claims(context, body), action=form_id)
        self._spawn(request, _name(user), click_summary(form_id, form=True))

    def _spawn(self, request: _Request, person_name: str, asked: str) -> None:
        """Into the inbox, then to the hand-off, which serves it once its row is written."""
        # Only a slash command's ack can say "busy"; mentions and clicks always queue, and
        # count towards their sender's share.
        person = _person(request.team_id, request.origin.user_id)
        share = self._shares.take(person)
        request = dataclasses.replace(request, request_id=new_request_id())
        written = self._inbox.record(
            request.request_id,
            channel="slack",
            person=person,
            person_name=person_name,
            summary=asked,
            return_address=_inbox_address(request),
        )
        self._work.submit(_REQUESTS.dump_json(request).decode(), done=share, ready=written)

    async def serve(self, payload: str) -> None:
        """A handed-off request, here or in a worker process: the JSON `_spawn` sent."""
        await self._serve(_REQUESTS.validate_json(payload))

    async def _serve(self, request: _Request) -> None:
        """Runs after the ack: once per delivery across replicas, then answers; whatever
        fails on the way, the person is told (`_tell_failure`), never left in silence."""
        if request.forget:
            if self._identities is not None:
                self._identities.forget(request.team_id, request.origin.user_id)
            return
        request_id = request.request_id or new_request_id()
        try:
            for key in request.claims:
                if not await self._gate.first_time(key):
                    # Served by whoever claimed it first: this copy's row goes.
                    log.info("slack.duplicate_dropped", request_id=request_id)
                    self._inbox.answered(request_id)
                    return
            reply = await self._answer(request, request_id)
            await self._delivery.deliver(reply, request.origin)
        except Exception as error:  # every failure ends in an answer and a log line
            await self._tell_failure(request.origin, request_id, error)
        # Answered, or its failure told (or logged as untellable): no longer the inbox's.
        self._inbox.answered(request_id)

    async def _tell_failure(self, origin: Origin, request_id: str, error: Exception) -> None:
        if isinstance(error, DeskhandError):
            # The remote call's own request id would collide with this request's.
            fields = _remote(error) if isinstance(error, IntegrationError) else {}
            log.warning(
                "slack.request_failed",
                request_id=request_id,
                error=type(error).__name__,
                detail=error.message,
                **fields,
            )
            text = could_not_answer(error.message, request_id)
        else:
            log.exception("slack.request_crashed", request_id=request_id)
            text = crashed(request_id)
        if not await self._delivery.apologise(origin, text):
            log.error(
                "slack.request_unanswered",
                request_id=request_id,
                user=origin.user_id,
                channel=origin.channel_id,
            )

    async def _answer(self, request: _Request, request_id: str) -> Reply:
        team_id, origin = request.team_id, request.origin
        assert self._identities is not None, "start() first"
        try:
            actor = await self._identities.actor(team_id, origin.user_id)
        except DeskhandError as refusal:
            who = f"slack:{team_id}:{origin.user_id}"
            return await self._router.refuse("slack", who, refusal.message)
        invocation = Invocation(
            channel="slack",
            actor=actor,
            text=request.line,
            conversation=origin.channel_id,
            tenant_hint=self._tenant_of(origin.channel_id),
            action=request.action,
            private=origin.private,
            values=dict(origin.values),
            return_address=origin.return_address(team_id),
            request_id=request_id,
            verify_actor=partial(self._identities.verify, team_id, origin.user_id, actor),
        )
        return await self._router.handle(invocation)

    def _tenant_of(self, channel_id: str) -> str | None:
        mapping: Mapping[str, str] = self._settings.channel_tenants
        return mapping.get(channel_id)


async def _listener_crashed(error: Exception, response: BoltResponse | None) -> BoltResponse | None:
    """A listener's bug (a malformed request is refused before any listener runs): logged
    with a reference, which the 500 carries when Slack has not been answered yet."""
    reference = new_request_id()
    log.error("slack.listener_crashed", reference=reference, exc_info=error)
    if response is None:
        return None
    body = {"error": "Deskhand failed to handle this request", "reference": reference}
    return BoltResponse(
        status=500, body=json.dumps(body), headers={"content-type": "application/json"}
    )


def _inbox_address(request: _Request) -> dict[str, str]:
    """Where the person is told if the process dies before answering: the return address,
    and the interaction's `response_url` while Slack still takes posts to it (the row, and
    with it the URL, goes once the request is answered)."""
    origin = request.origin
    address = origin.return_address(request.team_id)
    if origin.response_url:
        address["response_url"] = origin.response_url
        address["response_url_until"] = str(int(time.time()) + RESPONSE_URL_LIFETIME)
    return address


def _name(user: Mapping[str, Any]) -> str:
    """A click's or a form's sender, as Slack names them."""
    return str(user.get("username") or user.get("name") or "")


def _person(team_id: str, user_id: str) -> str:
    """Whose share a request counts against: known at the ack, before Slack says who it is."""
    return f"{team_id}:{user_id}"


def _remote(error: IntegrationError) -> dict[str, object]:
    """What identifies a failed remote call, for the log line."""
    return {
        "service": error.service,
        "host": error.host,
        "status": error.status,
        "code": error.code,
    }
