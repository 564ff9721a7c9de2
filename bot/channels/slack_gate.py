"""The door for Slack's HTTP requests: a valid signature, never the same request twice.

A forged signature, a timestamp more than five minutes off, or a signature this process has
already seen is refused before anything runs, without touching the database, so the ack stays
fast. Work then claims its delivery key in the store before it runs, which keeps it to once
across every replica: a request replayed to another replica, or an event Slack retries (new
signature, same event id), is acked but does nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime

from slack_sdk.signature import SignatureVerifier

from bot.store import Store
from bot.store.deliveries import claim_delivery

__all__ = ["SlackGate", "event_key"]

# Slack refuses signatures older than five minutes; remember them a little longer.
_REMEMBER = 360.0


def event_key(event_id: str) -> str:
    return "slack-event:" + event_id


class SlackGate:
    def __init__(self, signing_secret: str, store: Store) -> None:
        self._verifier = SignatureVerifier(signing_secret)
        self._store = store
        self._seen: OrderedDict[str, float] = OrderedDict()

    def admit(self, body: str, headers: Mapping[str, str]) -> tuple[str, str]:
        """(delivery key, "") when the request may run, else ("", why it is refused).

        `headers` as aiohttp gives them (names in any case) or spelled as Slack sends them.
        """
        timestamp = headers.get("X-Slack-Request-Timestamp")
        signature = headers.get("X-Slack-Signature")
        # The two headers read directly: copying and lower-casing all of them, as
        # `is_valid_request` does, cost more than the check itself on every ack.
        try:
            valid = self._verifier.is_valid(body, timestamp, signature)
        except ValueError:  # a timestamp that is not a number
            valid = False
        if not valid:
            return "", "invalid or stale signature"
        key = "slack-request:" + hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if key in self._seen:
            return "", "request already received"
        self._seen[key] = now + _REMEMBER
        return key, ""

    async def first_time(self, key: str) -> bool:
        """True once per key across every Deskhand sharing the store."""
        async with self._store.engine.begin() as conn:
            return await claim_delivery(conn, key, datetime.now(UTC))
