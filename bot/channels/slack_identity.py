"""Who is asking, in Slack: team id + user id → a verified e-mail, or a refusal.

People from other organisations (shared channels), guests, bots and deactivated accounts are
refused before anything runs. Answers are cached for a while, so a busy channel costs one
`users.info` per person, not one per command; a decision on a pending action (`verify`) asks
Slack afresh, and Slack's `user_change` event drops a person's entry (`forget`), so a
deactivated account stops acting at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.channels.slack_api import SlackApi, require
from bot.pipeline.access import still_the_same
from core.errors import AccessDenied, DeliveryError, IntegrationError
from core.identity import Actor

__all__ = ["SlackIdentities"]

_TTL = 600.0


@dataclass(frozen=True)
class _Entry:
    actor: Actor | None
    refusal: str
    until: float


class SlackIdentities:
    def __init__(self, api: SlackApi, team_id: str) -> None:
        self._api = api
        self._team_id = team_id
        self._cache: dict[tuple[str, str], _Entry] = {}

    async def actor(self, team_id: str, user_id: str, *, fresh: bool = False) -> Actor:
        """The verified person behind a request; raises AccessDenied with the reason.
        `fresh` asks Slack even when a cached answer is still valid."""
        key = (team_id, user_id)
        entry = self._cache.get(key)
        if fresh or entry is None or entry.until < time.monotonic():
            entry = await self._look_up(team_id, user_id)
            self._cache[key] = entry
        if entry.actor is None:
            raise AccessDenied(entry.refusal)
        return entry.actor

    async def verify(self, team_id: str, user_id: str, actor: Actor) -> None:
        """Raises AccessDenied unless Slack, asked now, still says this account is `actor`."""
        still_the_same(actor, await self.actor(team_id, user_id, fresh=True))

    def forget(self, team_id: str, user_id: str) -> None:
        """Drop what is known of a person (Slack said their account changed)."""
        self._cache.pop((team_id, user_id), None)

    async def _look_up(self, team_id: str, user_id: str) -> _Entry:
        until = time.monotonic() + _TTL
        if team_id != self._team_id:
            return _Entry(None, "Deskhand only answers people of its own Slack workspace.", until)
        try:
            answer = await self._api.read("users.info", user=user_id)
            user = require(answer, "user", dict, "users.info")
        except IntegrationError as error:
            reason = error.code or type(error).__name__
            raise DeliveryError(f"Slack did not tell who you are ({reason}); try again.") from None
        return _Entry(*_judge(user, self._team_id), until)


def _judge(user: dict[str, object], team_id: str) -> tuple[Actor | None, str]:
    profile = user.get("profile")
    email = str(profile.get("email", "")).lower() if isinstance(profile, dict) else ""
    if user.get("deleted"):
        return None, "Your Slack account is deactivated, so Deskhand no longer acts for it."
    if user.get("is_bot"):
        return None, "Deskhand answers people only."
    if user.get("team_id") not in (None, team_id):
        return (
            None,
            "Deskhand only answers people of its own organisation, not shared-channel guests.",
        )
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return None, "Guest accounts cannot use Deskhand."
    if not email:
        return None, "Slack did not share your e-mail address, so Deskhand cannot tell who you are."
    name = str(user.get("real_name") or user.get("name") or email)
    return Actor(id=f"slack:{team_id}:{user.get('id')}", display_name=name, email=email), ""
