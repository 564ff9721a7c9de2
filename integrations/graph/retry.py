"""When to try a Graph call again, and how long to wait first.

Graph answers 429 (throttled) and sometimes 503/504 with `Retry-After`, in seconds (the
throttling page's sample is fractional, "2.128") or, per HTTP, as a date. Without it, back off
exponentially. Waits are capped one by one and in total, so a chat reply is never held for
minutes, and jittered, so clients throttled together do not come back together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["RETRY_STATUSES", "RetryPolicy", "is_idempotent", "parse_retry_after"]

RETRY_STATUSES = frozenset({429, 503, 504})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def is_idempotent(method: str) -> bool:
    return method.upper() in _IDEMPOTENT_METHODS


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header, or None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(seconds, 0.0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`max_attempts` counts the first try; `budget` caps the total time spent waiting."""

    max_attempts: int = 4
    max_delay: float = 20.0
    budget: float = 45.0
    base_delay: float = 0.5
    jitter: float = 0.1

    def next_delay(self, attempt: int, retry_after: float | None, waited: float) -> float | None:
        """The wait before attempt `attempt + 1` (0-based), or None to give up."""
        if attempt + 1 >= self.max_attempts:
            return None
        if retry_after is not None:
            # Never earlier than the server asked: jitter only lengthens the wait.
            delay = min(retry_after, self.max_delay) * (1 + random.uniform(0, self.jitter))
        else:
            ceiling = min(self.max_delay, self.base_delay * 2**attempt)
            delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        if waited + delay > self.budget:
            return None
        return delay
