"""The door for Slack's HTTP requests: a valid signature, never the same request twice.

A forged signature, a timestamp more than five minutes off, or a request replayed with a
signature already seen is refused before anything runs. Slack's retries of an event carry new
signatures but the same event id; only the first delivery of an event id runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from slack_sdk.signature import SignatureVerifier

from bot.store import Store
from bot.store.deliveries import claim_delivery

__all__ = ["SlackGate"]


class SlackGate:
    def __init__(self, signing_secret: str, store: Store) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._store = store

    async def admit(self, body: str, headers: Mapping[str, str]) -> str:
        """ "" when the request may run, else why it is refused."""
        if not self._verifier.is_valid_request(body, dict(headers)):
            return "invalid or stale signature"
        signature = f"{headers.get('X-Slack-Request-Timestamp')}:{headers.get('X-Slack-Signature')}"
        if not await self.first_time("slack-request:" + _digest(signature)):
            return "request already received"
        return ""

    async def first_time(self, key: str) -> bool:
        """True once per key across every Deskhand sharing the store."""
        async with self._store.engine.begin() as conn:
            return await claim_delivery(conn, key, datetime.now(UTC))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
