"""A schedule as Deskhand keeps it: which read-only command runs when (cron in a time zone),
as whom, and to whom its reply goes.

The definition is the DBOS schedule's context (`bot.schedules.book`): a JSON-able dict that
every digest run receives, so nothing else needs storing. Validation here is the one check for
chat (`/schedule add`) and configuration (`[[schedules]]`) alike.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.schedules.recipients import parse_recipient
from commands import REGISTRY
from commands.kit.arguments import bind_arguments, split_command_line
from commands.kit.cron import CRON_EXAMPLE, Cron, TimeZone
from core.errors import UsageError, UserError
from core.identity import Actor

__all__ = [
    "CRON_EXAMPLE",
    "Owner",
    "ScheduleDefinition",
    "derived_name",
    "latest_slot",
    "next_slot",
    "readonly_command",
    "user_error",
]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class Owner(BaseModel):
    """Who made the schedule: it runs with their roles, and they hear what went wrong."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    email: str = ""
    channel: str = ""
    """The channel that can tell them (`Invocation.channel`); empty: none, only the log."""
    return_address: dict[str, str] = Field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.name, self.email)


class ScheduleDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    command: str
    cron: Cron
    tz: TimeZone = "UTC"
    recipients: tuple[str, ...]
    owner: Owner
    source: Literal["chat", "config"] = "chat"
    created_at: datetime

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"`{value}` is not a schedule name: use lower-case letters, digits and dashes"
            )
        return value

    @field_validator("command")
    @classmethod
    def _readonly(cls, value: str) -> str:
        return readonly_command(value)

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a schedule needs at least one recipient (--to)")
        for text in value:
            try:
                parse_recipient(text)
            except UserError as error:
                raise ValueError(error.message) from None
        return tuple(text.strip() for text in value)

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.tz)

    @property
    def dbos_name(self) -> str:
        return f"digest:{self.name}"


def readonly_command(line: str) -> str:
    """The line, with its leading slash, when it names a command that changes nothing and
    its arguments parse; otherwise a UserError saying why."""
    text = line.strip()
    name, words = split_command_line(text)
    spec, rest = REGISTRY.find(name, words)
    if spec is None:
        raise UserError(f"There is no command /{name} to schedule. Type /help to see them.")
    if spec.destructive:
        raise UserError(f"/{spec.name} changes a tenant: only read-only commands can be scheduled.")
    try:
        bind_arguments(spec, rest)
    except UsageError as error:
        raise UserError(f"The scheduled command does not parse: {error.message}") from None
    return text if text.startswith("/") else f"/{text}"


def derived_name(command: str) -> str:
    """`/digest mfa --tenant contoso` → `digest-mfa-tenant-contoso`."""
    slug = re.sub(r"[^a-z0-9]+", "-", command.lower()).strip("-")
    return slug[:63].rstrip("-") or "digest"


def user_error(error: ValidationError) -> UserError:
    """The first problem pydantic found, as the sentence its validator wrote."""
    first = error.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    where = ".".join(map(str, first["loc"]))
    return UserError(message if first["type"] == "value_error" else f"{where}: {message}")


def latest_slot(cron: str, zone: tzinfo, now: datetime) -> datetime:
    """The last time a schedule of `cron` in `zone` was due at or before `now`, in `zone`."""
    # get_prev is strictly before its start: start a second on, so a slot at `now` counts.
    start = now.astimezone(zone).replace(microsecond=0) + timedelta(seconds=1)
    slot: datetime = croniter(cron, start, second_at_beginning=True).get_prev(datetime)
    return slot


def next_slot(definition: ScheduleDefinition, now: datetime) -> datetime:
    it = croniter(definition.cron, now.astimezone(definition.zone), second_at_beginning=True)
    slot: datetime = it.get_next(datetime)
    return slot
