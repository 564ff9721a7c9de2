"""The Teams channel, on the Microsoft 365 Agents SDK: activities become Invocations, and
Replies go back as Adaptive Cards.

- Messages (`user adele`, `/user adele`, `@Deskhand user adele`) run through the router; the
  answer is sent into the same conversation.
- `Action.Execute` clicks answer with the updated card for the clicker (the invoke response);
  when the result is for everyone, the original message is edited too.
- Secrets are shown only in a 1:1 chat with the requester; files go there as a consent card.
- Every conversation's reference is kept, so later features can post into it (`post`).
- A message or card submit, once claimed, is in the inbox (`bot.process.inbox`) until it has
  been answered: a crash in between is told to its person at the next start.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import structlog
from aiohttp import web
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    AdaptiveCardInvokeValue,
    Attachment,
    ConversationReference,
)
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ActivityHandler, OutboundHostValidator, TurnContext
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, Connections

from bot.channels.shape import refuse_malformed
from bot.channels.teams_files import FileConsents
from bot.channels.teams_identity import TeamsIdentities, activity_tenant
from bot.channels.teams_shape import check_activity
from bot.config.teams import TeamsSettings, conversation_key
from bot.pipeline.invocation import Invocation, new_request_id
from bot.pipeline.router import Router
from bot.process.inbox import Inbox, click_summary, typed_summary
from bot.store import Store
from bot.store.conversations import load_reference, save_reference
from bot.store.deliveries import claim_delivery
from cards.adaptive import EXECUTE_VERB, FORM_VERB, TeamsRender, render_adaptive
from cards.adaptive_controls import submitted_values
from cards.reply import File, Reply
from core.errors import DeskhandError, NotFound

if TYPE_CHECKING:
    from yarl import URL

__all__ = ["ADAPTIVE_CARD", "MicrosoftHosts", "TeamsChannel", "TeamsOutbound"]

log = structlog.get_logger("deskhand.teams")

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_CHANNEL: Final = "teams"
_ONLY_ONE_TO_ONE = "Deskhand sends {what} only in a 1:1 chat: message me directly and ask there."
_CARD_ACTION = "adaptiveCard/action"
_REQUEST_ID = "deskhand_request_id"
"""Where a turn keeps the id its inbox row and its Invocation share."""


class MicrosoftHosts(OutboundHostValidator):
    """The SDK's check of Microsoft's hosts, on HTTPS's own port only.

    The SDK compares host names alone, so `https://smba.trafficmanager.net:8443/` passed; a
    Microsoft service answers on 443, and any other port on such a name is not one Deskhand
    should send the bot's token or a file to. Off (`enabled=False`), everything passes, as
    with the SDK's validator: the tests' loopback fakes rely on that.
    """

    def is_allowed(self, url: str | URL) -> bool:
        # The SDK passes a string (service URLs) or aiohttp's URL (its own client's requests).
        if self.enabled and not _on_https_port(str(url)):
            return False
        return bool(super().is_allowed(url))


def _on_https_port(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() == "https" and parts.port in (None, 443)
    except ValueError:  # a port that is no number, or out of range
        return False


@dataclass(frozen=True)
class TeamsOutbound:
    """How Deskhand calls the Bot Framework: who signs the calls, and which hosts they may reach.

    A service URL comes from the incoming activity; checking its host keeps the bot's token
    from ever being sent anywhere but Microsoft's channel service.
    """

    connections: Connections
    hosts: OutboundHostValidator


class TeamsChannel(ActivityHandler):
    def __init__(
        self,
        *,
        settings: TeamsSettings,
        router: Router,
        store: Store,
        inbox: Inbox,
        outbound: TeamsOutbound,
    ) -> None:
        super().__init__()
        self._settings = settings
        self._router = router
        self._store = store
        self._inbox = inbox
        self.adapter = CloudAdapter(
            connection_manager=outbound.connections, host_validator=outbound.hosts
        )
        # The SDK's default handler posts the exception's text into the chat and prints the
        # traceback; a bug propagates instead, to the server's 500 with a logged reference.
        self.adapter.on_turn_error = None
        self.auth_configuration = AgentAuthConfiguration(
            client_id=settings.app_id,
            tenant_id=settings.app_tenant_id,
            anonymous_allowed=settings.anonymous,
            validate_issuer=True,
        )
        self._home = frozenset(t.lower() for t in settings.home_tenants)
        self._identities = TeamsIdentities(self._home)
        self._private = frozenset(_key(c) for c in settings.private_conversations)
        self._files = FileConsents(outbound.hosts)

    async def handle_http(self, request: web.Request) -> web.StreamResponse:
        """`POST /api/messages`, behind the SDK's JWT check (see bot/process/server.py)."""
        malformed = check_activity(await request.text())
        if malformed is not None:
            return refuse_malformed(_CHANNEL, malformed)
        response = await self.adapter.process(request, self)
        return response if response is not None else web.Response(status=200)

    async def close(self) -> None:
        await self._files.close()

    async def on_turn(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        activity = turn_context.activity
        if activity_tenant(activity) not in self._home:
            await super().on_turn(turn_context)  # refused by identity, nothing remembered
            return
        if activity.id and not await self._first_time(activity):
            log.info("teams.duplicate_dropped")  # Teams resends what took too long to answer
            return
        await self._remember(activity)
        request_id = await self._record(turn_context)
        await super().on_turn(turn_context)
        if request_id:
            # Answered: the reply was sent, or an invoke's is the response about to go back.
            self._inbox.answered(request_id)

    async def on_message_activity(self, turn_context: TurnContext) -> None:  # type: ignore[override]
        activity = turn_context.activity
        if self._is_private(activity):
            # Teams has no message only one person sees; answer nothing here.
            await turn_context.send_activity(_ONLY_ONE_TO_ONE.format(what="answers here"))
            return
        line = (activity.remove_recipient_mention() or "").strip()
        reply = await self._answer(turn_context, line=line or "help")
        await self._send(turn_context, reply)

    async def on_adaptive_card_invoke(  # type: ignore[override]
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        action = invoke_value.action
        data = action.data if isinstance(action.data, dict) else {}
        clicked = _clicked(action.verb or "", data)
        if not clicked:
            reply = Reply.error("That card action is not Deskhand's; run the command again.")
        else:
            values = submitted_values(data) if action.verb == FORM_VERB else {}
            reply = await self._answer(turn_context, action=clicked, values=values)
        rendered = render_adaptive(reply)
        activity = turn_context.activity
        shared = not self._is_private(activity) and not _is_personal(activity)
        # Everyone's copy changes only for an outcome meant for everyone: not an error, not a
        # private reply, not a form (the other approvers still need the card's buttons).
        for_everyone = not reply.failed and not reply.private and reply.form is None
        if for_everyone and rendered.cards and activity.reply_to_id and shared:
            await self._edit_for_everyone(turn_context, rendered)
        await self._send_private_parts(turn_context, rendered)
        card = (
            rendered.cards[0] if rendered.cards else render_adaptive(Reply(title="Done")).cards[0]
        )
        return AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD, value=card)

    async def on_invoke_activity(self, turn_context: TurnContext) -> Any:  # type: ignore[override]
        if turn_context.activity.name == "fileConsent/invoke":
            return await self._files.answer(turn_context)
        return await super().on_invoke_activity(turn_context)

    async def post(self, conversation_id: str, reply: Reply) -> list[str]:
        """Send a reply into a conversation Deskhand has seen before, without being asked;
        the ids of the messages sent, its cards first."""
        sent: list[str] = []

        async def send(turn_context: TurnContext) -> None:
            # The SDK gives the continuation event a random id and would send a "reply" to it;
            # a proactive post is a new message in the conversation.
            turn_context.activity.id = None
            sent.extend(await self._send(turn_context, reply))

        await self._continue(conversation_id, send)
        return sent

    async def edit(self, conversation_id: str, activity_id: str, reply: Reply) -> None:
        """Replace a card Deskhand posted (`post`) with the first card of `reply`."""
        rendered = render_adaptive(reply)
        if not rendered.cards:
            raise ValueError("an edit needs a reply with something to show")

        async def update(turn_context: TurnContext) -> None:
            edited = _card_activity(rendered.cards[0], rendered.text)
            edited.id = activity_id
            await turn_context.update_activity(edited)

        await self._continue(conversation_id, update)

    async def personal_chat(self, user_object_id: str) -> str | None:
        """The 1:1 chat Deskhand has had with this person (by Entra object id), if any."""
        async with self._store.engine.connect() as conn:
            stored = await load_reference(conn, _CHANNEL, _personal_key(user_object_id))
        conversation = (stored or {}).get("conversation")
        return str(conversation["id"]) if isinstance(conversation, dict) else None

    async def _continue(
        self, conversation_id: str, callback: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        async with self._store.engine.connect() as conn:
            stored = await load_reference(conn, _CHANNEL, _key(conversation_id))
        if stored is None:
            raise NotFound(
                f"Deskhand has no Teams conversation {conversation_id!r} on record; "
                "add Deskhand to it and send it a message first."
            )
        reference = ConversationReference.model_validate(stored)
        await self.adapter.continue_conversation(
            str(self._settings.app_id or ""), reference.get_continuation_activity(), callback
        )

    async def _record(self, turn_context: TurnContext) -> str:
        """A message or a card submit into the inbox, written before it is served; its
        request id ("" for any other activity, which nobody waits an answer to)."""
        activity = turn_context.activity
        if activity.type == ActivityTypes.message:
            line = (activity.remove_recipient_mention() or "").strip() or "help"
            asked = typed_summary(self._router.registry, line)
        elif activity.type == ActivityTypes.invoke and activity.name == _CARD_ACTION:
            verb, data = _card_action(activity)
            asked = click_summary(_clicked(verb, data), form=verb == FORM_VERB)
        else:
            return ""
        request_id = new_request_id()
        turn_context.turn_state[_REQUEST_ID] = request_id
        sender = activity.from_property
        await self._inbox.record(
            request_id,
            channel=_CHANNEL,
            person=str((sender.aad_object_id or sender.id) if sender else ""),
            person_name=str(sender.name or "") if sender else "",
            summary=asked,
            return_address=_return_address(activity),
        )
        return request_id

    async def _answer(
        self,
        turn_context: TurnContext,
        *,
        line: str = "",
        action: str = "",
        values: Mapping[str, str] | None = None,
    ) -> Reply:
        try:
            actor = await self._identities.actor(turn_context)
        except DeskhandError as refusal:
            return await self._router.refuse(_CHANNEL, _sender(turn_context), refusal.message)
        activity = turn_context.activity
        conversation_id = str(activity.conversation.id) if activity.conversation else ""
        invocation = Invocation(
            channel=_CHANNEL,
            actor=actor,
            text=line,
            conversation=conversation_id,
            tenant_hint=self._settings.conversation_tenants.get(_key(conversation_id)),
            action=action,
            values=dict(values or {}),
            # Only a 1:1 chat is read by the requester alone: Teams has no private messages.
            private=_is_personal(activity),
            return_address=_return_address(activity),
            verify_actor=partial(self._identities.verify, turn_context, actor),
            request_id=str(turn_context.turn_state.get(_REQUEST_ID) or new_request_id()),
        )
        return await self._router.handle(invocation)

    async def _send(self, turn_context: TurnContext, reply: Reply) -> list[str]:
        """Send a reply's cards and its images inline, then its private parts; the ids of
        the messages sent, the cards first."""
        rendered = render_adaptive(reply)
        images = tuple(f for f in rendered.files if shown_inline(f))
        rendered = dataclasses.replace(
            rendered, files=tuple(f for f in rendered.files if f not in images)
        )
        activities = [_card_activity(card, rendered.text) for card in rendered.cards]
        sent: list[str] = []
        for activity in [*activities, *map(_image_activity, images)]:
            answer = await turn_context.send_activity(activity)
            if answer is not None and answer.id:
                sent.append(str(answer.id))
        await self._send_private_parts(turn_context, rendered)
        return sent

    async def _send_private_parts(self, turn_context: TurnContext, rendered: TeamsRender) -> None:
        """Secrets and files: in a 1:1 chat with the requester, else a pointer there."""
        personal = _is_personal(turn_context.activity)
        if rendered.secret_card is not None:
            if personal:
                await turn_context.send_activity(_card_activity(rendered.secret_card, ""))
            else:
                await turn_context.send_activity(_ONLY_ONE_TO_ONE.format(what="secrets"))
        if rendered.files:
            if personal:
                for file in rendered.files:
                    await turn_context.send_activity(self._files.offer(file))
            else:
                await turn_context.send_activity(_ONLY_ONE_TO_ONE.format(what="files"))

    def _is_private(self, activity: Activity) -> bool:
        conversation = activity.conversation
        if conversation is None or _is_personal(activity):
            return False
        return _key(str(conversation.id)) in self._private

    async def _edit_for_everyone(self, turn_context: TurnContext, rendered: TeamsRender) -> None:
        edited = _card_activity(rendered.cards[0], rendered.text)
        edited.id = turn_context.activity.reply_to_id
        try:
            await turn_context.update_activity(edited)
        except Exception:  # the clicker still sees the result in the invoke response
            log.warning("teams.edit_failed")

    async def _first_time(self, activity: Activity) -> bool:
        async with self._store.engine.begin() as conn:
            return await claim_delivery(conn, f"teams-activity:{activity.id}", datetime.now(UTC))

    async def _remember(self, activity: Activity) -> None:
        if activity.conversation is None or not activity.service_url:
            return
        reference = activity.get_conversation_reference()
        # Kept per conversation, not per thread: a later post starts a new thread there.
        key = _key(str(activity.conversation.id))
        if reference.conversation is not None:
            reference.conversation.id = key
        reference.activity_id = None
        stored = reference.model_dump(mode="json", by_alias=True, exclude_none=True)
        sender = activity.from_property
        keys = [key]
        if _is_personal(activity) and sender is not None and sender.aad_object_id:
            # So an outcome or a secret can reach this person later in their 1:1 chat.
            keys.append(_personal_key(str(sender.aad_object_id)))
        async with self._store.engine.begin() as conn:
            for name in keys:
                await save_reference(conn, _CHANNEL, name, stored, datetime.now(UTC))


def _clicked(verb: str, data: Mapping[str, Any]) -> str:
    """The id an `Action.Execute` carried ("" when it is not Deskhand's): a button sends its
    id as "action"; a form's submit sends "form" beside its inputs."""
    clicked = data.get({EXECUTE_VERB: "action", FORM_VERB: "form"}.get(verb, ""))
    return clicked if isinstance(clicked, str) else ""


def _card_action(activity: Activity) -> tuple[str, Mapping[str, Any]]:
    """An invoke's verb and data, read before the SDK parses them (for the inbox)."""
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action")
    action = action if isinstance(action, dict) else {}
    data = action.get("data")
    return str(action.get("verb") or ""), data if isinstance(data, dict) else {}


def _card_activity(card: dict[str, Any], summary: str) -> Activity:
    # The card holds the content; a text beside it would show everything twice. The SDK
    # refuses a summary of None, so an empty one is left out.
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=ADAPTIVE_CARD, content=card)],
        **({"summary": summary} if summary else {}),
    )


MAX_INLINE_IMAGE = 1024 * 1024
"""Bytes of one inline image: Teams shows images up to about 1 MB inline."""


def shown_inline(file: File) -> bool:
    """A chart Teams shows in the conversation itself, in channels and chats alike (a base64
    data URI as the attachment's contentUrl), where other files go only to 1:1 chats."""
    return file.media_type.startswith("image/") and len(file.content) <= MAX_INLINE_IMAGE


def _image_activity(image: File) -> Activity:
    """An inline image: Teams renders an attachment whose contentType is an image MIME type
    (Teams platform docs, "Send and receive inline images")."""
    data = base64.b64encode(image.content).decode("ascii")
    return Activity(
        type=ActivityTypes.message,
        attachments=[
            Attachment(
                content_type=image.media_type,
                content_url=f"data:{image.media_type};base64,{data}",
                name=image.filename,
            )
        ],
    )


def _return_address(activity: Activity) -> dict[str, str]:
    """Where `TeamsNotifier.tell` finds the requester later: plain ids, nothing secret."""
    conversation = activity.conversation
    sender = activity.from_property
    key = _key(str(conversation.id)) if conversation else ""
    address = {
        "conversation": key,
        "personal": key if _is_personal(activity) else "",
        "user": str(sender.aad_object_id or "").lower() if sender else "",
        "tenant": activity_tenant(activity),
    }
    return {name: value for name, value in address.items() if value}


def _personal_key(user_object_id: str) -> str:
    """Where a person's 1:1 chat reference is kept, beside the conversations' own ids."""
    return f"personal:{user_object_id.lower()}"


def _is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return conversation is not None and conversation.conversation_type == "personal"


def _key(conversation_id: str) -> str:
    """The conversation a thread belongs to, as the tenant map names it."""
    try:
        return conversation_key(conversation_id)
    except ValueError:
        return conversation_id


def _sender(turn_context: TurnContext) -> str:
    """Who sent a refused activity, as far as the activity itself says."""
    sender = turn_context.activity.from_property
    who = (sender.aad_object_id or sender.id) if sender else ""
    return f"teams:{who or 'unknown'}"
