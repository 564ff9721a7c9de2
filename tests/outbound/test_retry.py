"""Retry-After parsing and the wait before each new attempt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.outbound.retry import RetryPolicy, is_idempotent, parse_retry_after, wait_words


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2.128", 2.128),
        ("0", 0.0),
        ("7", 7.0),
        ("-3", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
    ],
)
def test_retry_after_in_seconds(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_http_date_counts_from_now() -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now=now) == 30.0


def test_delay_honours_retry_after_with_jitter_that_only_lengthens() -> None:
    policy = RetryPolicy(max_attempts=5, max_delay=10.0, budget=100.0, jitter=0.1)
    delays = [policy.next_delay(0, 2.0, 0.0) for _ in range(50)]
    assert all(d is not None and 2.0 <= d <= 2.2 for d in delays)
    assert len(set(delays)) > 1


def test_delay_is_capped_per_wait() -> None:
    policy = RetryPolicy(max_attempts=5, max_delay=1.0, budget=100.0, jitter=0.0)
    assert policy.next_delay(0, 60.0, 0.0) == 1.0


def test_backoff_without_retry_after_grows_and_stays_under_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, max_delay=4.0, budget=100.0, base_delay=0.5)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        delay = policy.next_delay(attempt, None, 0.0)
        assert delay is not None and ceiling / 2 <= delay <= ceiling


def test_gives_up_after_the_last_attempt_or_past_the_budget() -> None:
    policy = RetryPolicy(max_attempts=3, max_delay=5.0, budget=6.0, jitter=0.0)
    assert policy.next_delay(1, 1.0, 0.0) == 1.0
    assert policy.next_delay(2, 1.0, 0.0) is None
    assert policy.next_delay(0, 5.0, 2.0) is None


def test_only_safe_methods_are_idempotent() -> None:
    assert [is_idempotent(m) for m in ("get", "PUT", "DELETE", "POST", "PATCH")] == [
        True,
        True,
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("retry_after", "words"),
    [(2.128, " in 3 seconds"), (30.0, " in 30 seconds"), (None, " in a minute")],
)
def test_a_throttled_caller_is_told_when_to_try_again(
    retry_after: float | None, words: str
) -> None:
    assert wait_words(retry_after) == words


def test_without_a_retry_after_the_caller_chooses_the_words() -> None:
    assert wait_words(None, otherwise="") == ""
