"""`[[schedules]]` in deskhand.toml: digests the operator keeps in configuration.

    [[schedules]]
    name = "contoso-mfa"                      # optional: derived from the command
    command = "/digest mfa --tenant contoso"  # a read-only command
    cron = "0 8 * * MON"                      # 5 fields, or 6 with seconds first
    tz = "Europe/Amsterdam"                   # IANA name; UTC when not given
    to = ["#it-managers", "managers"]
    owner = "tess@msp.example"                # runs with this person's roles

They are synced with the scheduler at every server start (`bot.schedules.book`): created when
missing, replaced when changed, removed when gone from the file. The command, cron, time zone
and recipients are checked then, against the command registry.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ScheduleSettings"]


class ScheduleSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command: str
    cron: str
    to: tuple[str, ...] = Field(min_length=1)
    owner: str
    """An e-mail address or console:<user>: the schedule runs with their roles."""
    tz: str = "UTC"
    name: str | None = None
