"""Cron expressions and time zones as schedules take them: the one check for `/schedule add`,
`[[schedules]]` and `[digests] snapshot_cron`, in the words a person can act on.

Cron has 5 fields, or 6 with seconds first, as DBOS's scheduler reads them
(`croniter(..., second_at_beginning=True)`); time zones are IANA names.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import AfterValidator

__all__ = ["CRON_EXAMPLE", "Cron", "TimeZone", "cron_text", "zone_name"]

CRON_EXAMPLE = '"0 8 * * MON" (Mondays at 08:00), or 6 fields with seconds first'


def cron_text(value: str) -> str:
    """The expression with single spaces; ValueError saying what to write when it is none."""
    text = " ".join(value.split())
    if len(text.split()) not in (5, 6) or not croniter.is_valid(text, second_at_beginning=True):
        raise ValueError(f"`{value}` is not a cron schedule: try {CRON_EXAMPLE}")
    return text


def zone_name(value: str) -> str:
    """The name when it is a time zone; ValueError otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"`{value}` is not a time zone: use an IANA name such as Europe/Amsterdam"
        ) from None
    return value


Cron = Annotated[str, AfterValidator(cron_text)]
"""A field holding a cron expression, checked by `cron_text`."""

TimeZone = Annotated[str, AfterValidator(zone_name)]
"""A field holding an IANA time zone name, checked by `zone_name`."""
