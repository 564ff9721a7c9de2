"""Wording shared by commands: dates as people read them, counts, short lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

__all__ = [
    "ago",
    "counted",
    "days_since",
    "export_name",
    "first_few",
    "iso_or_null",
    "iso_time",
    "when",
]


def iso_time(moment: datetime | None) -> str:
    """ISO 8601 in UTC to the second, as files and scripts want it: "2026-08-05T10:00:00Z"."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_or_null(moment: datetime | None) -> str | None:
    """`iso_time` for `--json` data: a missing moment is null there, never ""."""
    return iso_time(moment) or None


def export_name(tenant: str, what: str, now: datetime, extension: str) -> str:
    """A file name no other export shares: "contoso-users-20261203T081500Z.csv"."""
    return f"{tenant}-{what}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.{extension}"


def days_since(moment: datetime, now: datetime) -> int:
    return max(0, (now - moment).days)


def ago(moment: datetime | None, now: datetime) -> str:
    """ "3 days ago", "today", "never"."""
    if moment is None:
        return "never"
    days = days_since(moment, now)
    if days == 0:
        hours = int((now - moment).total_seconds() // 3600)
        return "just now" if hours <= 0 else f"{hours} hour{'s' if hours != 1 else ''} ago"
    if days < 60:
        return f"{days} day{'s' if days != 1 else ''} ago"
    months = days // 30
    if days < 730:
        return f"{months} months ago"
    return f"{days // 365} years ago"


def when(moment: datetime | None, now: datetime) -> str:
    """An absolute UTC date with its relative wording: "2026-08-01 (116 days ago)"."""
    if moment is None:
        return "never"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({ago(moment, now)})"


def first_few(names: Sequence[str], limit: int = 5) -> str:
    """ "A, B, C and 4 more"."""
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def counted(count: int, singular: str, plural: str = "") -> str:
    """ "1 licence", "3 licences": `plural` when adding an s is wrong ("2 other owners" works)."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
