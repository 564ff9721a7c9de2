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

from bot.channels.slack_api import SlackApi, require
from core.errors import IntegrationError

__all__ = ["SlackMentions"]

log = structlog.get_logger("deskhand.slack")

_TTL = 600.0
_UNKNOWN = ""
"""No member by that address; remembered for the TTL too, as they may join later."""


class SlackMentions:
    def __init__(self, api: SlackApi, ttl: float = _TTL) -> None:
        self._api = api
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
            answer = await self._api.read("users.lookupByEmail", email=email)
            user = require(answer, "user", dict, "users.lookupByEmail")
        except IntegrationError as error:
            if error.code != "users_not_found":
                # Not cached: a missing scope or an outage should not outlive its fix.
                log.warning("slack.mention_lookup_failed", error=error.code)
                return _UNKNOWN
            self._cache[email] = (_UNKNOWN, time.monotonic() + self._ttl)
            return _UNKNOWN
        user_id = str(user.get("id", "")) if not user.get("deleted") else _UNKNOWN
        self._cache[email] = (user_id, time.monotonic() + self._ttl)
        return user_id
