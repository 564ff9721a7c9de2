from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands.kit.formatting import ago, first_few, when

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_ago_reads_like_a_person_would_say_it() -> None:
    assert ago(None, NOW) == "never"
    assert ago(NOW - timedelta(minutes=5), NOW) == "just now"
    assert ago(NOW - timedelta(hours=3), NOW) == "3 hours ago"
    assert ago(NOW - timedelta(days=1), NOW) == "1 day ago"
    assert ago(NOW - timedelta(days=45), NOW) == "45 days ago"
    assert ago(NOW - timedelta(days=120), NOW) == "4 months ago"
    assert ago(NOW - timedelta(days=800), NOW) == "2 years ago"


def test_when_shows_the_date_and_the_distance() -> None:
    assert when(NOW - timedelta(days=2), NOW) == "2026-11-23 12:00 UTC (2 days ago)"
    assert when(None, NOW) == "never"


def test_first_few_counts_the_rest() -> None:
    assert first_few([]) == "none"
    assert first_few(["a", "b"]) == "a, b"
    assert first_few([str(i) for i in range(8)], limit=3) == "0, 1, 2 and 5 more"
