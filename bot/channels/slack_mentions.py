"""People to mention in Slack, by e-mail address: `users.lookupByEmail` → user id.

Approval cards name their approvers by e-mail (the same address on every channel); Slack
mentions need the member id. Answers, "no such member" included, are kept for a while, so a
busy approvers' channel costs one lookup per approver, not one per card. A failed lookup
leaves the address shown as text: a card is never held back for a mention.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_api import slack_error_code

__all__ = ["SlackMentions"]

log = structlog.get_logger("deskhand.slack")

_TTL = 600.0
_UNKNOWN = ""
"""No member by that address; remembered for the TTL too, as they may join later."""


class SlackMentions:
    def __init__(self, client: AsyncWebClient, ttl: float = _TTL) -> None:
        self._client = client
        self._ttl = ttl
        self._cache: dict[str, tuple[str, float]] = {}

    async def user_ids(self, emails: Iterable[str]) -> dict[str, str]:
        """Lower-cased address → Slack user id, for the addresses Slack knows."""
        found: dict[str, str] = {}
        for email in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
            user_id = await self._user_id(email)
            if user_id:
                found[email] = user_id
        return found

    async def _user_id(self, email: str) -> str:
        cached = self._cache.get(email)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        try:
            answer = await self._client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            code = slack_error_code(error)
            if code != "users_not_found":
                # Not cached: a missing scope or an outage should not outlive its fix.
                log.warning("slack.mention_lookup_failed", error=code)
                return _UNKNOWN
            self._cache[email] = (_UNKNOWN, time.monotonic() + self._ttl)
            return _UNKNOWN
        user = answer.get("user") or {}
        user_id = str(user.get("id", "")) if not user.get("deleted") else _UNKNOWN
        self._cache[email] = (user_id, time.monotonic() + self._ttl)
        return user_id
