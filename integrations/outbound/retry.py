"""When to try a call again, how long to wait first, and the one loop that does it.

Graph answers 429 (throttled) and sometimes 503/504 with `Retry-After`, in seconds (the
throttling page's sample is fractional, "2.128") or, per HTTP, as a date. Without it, back off
exponentially. Waits are capped one by one and in total, so a chat reply is never held for
minutes, and jittered, so clients throttled together do not come back together. Graph, Exchange
and sign-in all retry through `retrying`; each says only what one attempt is and which of its
failures are worth another.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import structlog

from core.errors import IntegrationError

__all__ = [
    "RETRY_STATUSES",
    "Failure",
    "RetryPolicy",
    "is_idempotent",
    "parse_retry_after",
    "retrying",
    "wait_words",
]

T = TypeVar("T")
_log = structlog.get_logger(__name__)

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


def wait_words(retry_after: float | None, otherwise: str = " in a minute") -> str:
    """When a throttled caller may try again, for "Try again{wait}.": " in 3 seconds" (rounded
    up), or `otherwise` when the service gave no `Retry-After`."""
    return f" in {math.ceil(retry_after)} seconds" if retry_after else otherwise


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


@dataclass(frozen=True, slots=True)
class Failure:
    """One attempt's failure: the error to raise if it is the last, and whether to go on."""

    error: IntegrationError
    retryable: bool
    retry_after: float | None = None


async def retrying(
    policy: RetryPolicy,
    attempt: Callable[[], Awaitable[T | Failure]],
    *,
    event: str,
    context: Mapping[str, object],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """The first result of `attempt` that is not a `Failure`; else the last failure's error,
    once it is not retryable or the policy's attempts or waiting budget are spent."""
    tries, waited = 0, 0.0
    while True:
        outcome = await attempt()
        if not isinstance(outcome, Failure):
            return outcome
        delay = policy.next_delay(tries, outcome.retry_after, waited) if outcome.retryable else None
        if delay is None:
            raise outcome.error
        _log.info(
            event, **context, status=outcome.error.status, attempt=tries + 1, delay=round(delay, 3)
        )
        await sleep(delay)
        tries, waited = tries + 1, waited + delay
