"""Who is asking, in Teams: Entra tenant id + object id → UPN from the conversation's roster.

Only people of the MSP's own tenant(s) are served; a member of another organisation in a
shared channel or a federated chat is refused before anything runs. Answers are cached for a
while; a decision on a pending action (`verify`) reads the roster afresh.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.pipeline.access import still_the_same
from core.errors import AccessDenied, DeliveryError
from core.identity import Actor

__all__ = ["TeamsIdentities", "activity_tenant"]

_TTL = 600.0
_CONNECTOR_KEY = "ConnectorClient"


def activity_tenant(activity: Activity) -> str:
    """The Entra tenant the activity comes from, as Teams states it."""
    if activity.conversation and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id).lower()
    tenant = (
        (activity.channel_data or {}).get("tenant")
        if isinstance(activity.channel_data, dict)
        else None
    )
    return str(tenant.get("id", "")).lower() if isinstance(tenant, dict) else ""


@dataclass(frozen=True)
class _Entry:
    actor: Actor
    until: float


class TeamsIdentities:
    def __init__(self, home_tenants: frozenset[str]) -> None:
        self._home = frozenset(t.lower() for t in home_tenants)
        self._cache: dict[tuple[str, str], _Entry] = {}

    async def actor(self, context: TurnContext, *, fresh: bool = False) -> Actor:
        """The verified person behind an activity; raises AccessDenied with the reason.
        `fresh` reads the roster even when a cached answer is still valid."""
        activity = context.activity
        tenant = activity_tenant(activity)
        if tenant not in self._home:
            raise AccessDenied("Deskhand only answers people of its own organisation.")
        sender = activity.from_property
        object_id = str(sender.aad_object_id or "") if sender else ""
        if not object_id or sender is None:
            raise AccessDenied("Teams did not say who you are; message Deskhand from Teams itself.")
        key = (tenant, object_id.lower())
        entry = self._cache.get(key)
        if fresh or entry is None or entry.until < time.monotonic():
            upn = await self._principal_name(context, str(sender.id))
            actor = Actor(f"teams:{tenant}:{object_id.lower()}", sender.name or upn, upn)
            entry = _Entry(actor, time.monotonic() + _TTL)
            self._cache[key] = entry
        return entry.actor

    async def verify(self, context: TurnContext, actor: Actor) -> None:
        """Raises AccessDenied unless the roster, read now, still says the sender is `actor`."""
        still_the_same(actor, await self.actor(context, fresh=True))

    async def _principal_name(self, context: TurnContext, member_id: str) -> str:
        """The sender's UPN from the roster; people of other tenants and guests are refused.

        A shared channel's conversation carries the host's tenant, so the member's own record
        decides; the e-mail there is not used, as another organisation's admin sets it.
        """
        connector = context.turn_state.get(_CONNECTOR_KEY)
        conversation = context.activity.conversation
        if not isinstance(connector, ConnectorClientBase) or conversation is None:
            raise AccessDenied("Teams did not say who you are; try again.")
        try:
            member = await connector.conversations.get_conversation_member(
                str(conversation.id), member_id
            )
        except Exception:  # the SDK raises its HTTP client's errors as they come
            raise DeliveryError("Teams did not say who you are; try again in a minute.") from None
        extra = member.model_extra or {}
        if str(member.tenant_id or "").lower() not in self._home:
            raise AccessDenied("Deskhand only answers people of its own organisation.")
        if str(extra.get("userRole") or "").lower() == "guest":
            raise AccessDenied("Guest accounts cannot use Deskhand.")
        upn = str(extra.get("userPrincipalName") or "").lower()
        if not upn:
            raise AccessDenied(
                "Teams did not share your sign-in name, so Deskhand cannot tell who you are."
            )
        return upn
