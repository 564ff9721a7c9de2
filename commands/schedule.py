"""/schedule add|list|remove|run-now: digests sent on a cron schedule, in a time zone.

A schedule runs one read-only command (in practice /digest) as the person who made it, with
their roles as they are at each run, and sends its reply to its recipients. Admins make,
remove and run schedules; technicians and admins list them. The book behind it is the bot's
(`commands.kit.services.ScheduleBook`): it validates the cron, time zone, recipients and
command, and keeps schedules with the scheduler that runs them.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from cards.reply import Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.formatting import iso_or_null
from commands.kit.registry import Role, command, positional
from commands.kit.services import NewSchedule, ScheduleBook, ScheduleView
from core.errors import UserError

__all__ = [
    "ScheduleAddArgs",
    "ScheduleNameArgs",
    "schedule_add_command",
    "schedule_list_command",
    "schedule_remove_command",
    "schedule_run_now_command",
]

ADMINS = frozenset({Role.ADMIN})
READERS = frozenset({Role.TECHNICIAN, Role.ADMIN})


class ScheduleAddArgs(BaseModel):
    command: str = positional('the command to run, in quotes: "digest mfa --tenant contoso"')
    cron: str = Field(description='when, as cron: "0 8 * * MON" (Mondays 08:00)')
    to: list[str] = Field(description="recipients: #channel, slack:@U…, teams:…, e-mail, managers")
    tz: str = Field("UTC", description="the time zone the cron is read in: Europe/Amsterdam")
    name: str | None = Field(None, description="a name for it; derived from the command if not")


class ScheduleNameArgs(BaseModel):
    name: str = positional("the schedule's name (see /schedule list)")


class ScheduleListArgs(BaseModel):
    pass


@command("schedule add", args=ScheduleAddArgs, roles=ADMINS)
async def schedule_add_command(ctx: CommandContext, args: ScheduleAddArgs) -> Reply:
    """Send a read-only command's reply on a schedule: --cron, --tz and --to (repeatable).

    The command runs as you, with your roles at each run; you are told when a run cannot send.
    """
    new = NewSchedule(
        command=args.command,
        cron=args.cron,
        tz=args.tz,
        recipients=tuple(args.to),
        name=args.name,
    )
    view = await _book(ctx).add(
        new, ctx.actor, channel=ctx.channel, return_address=ctx.return_address, now=ctx.now
    )
    text = f"Schedule {view.name} added: {view.command}, next at {_when(view)}."
    return Reply(
        title="Schedule added",
        blocks=(Notice(Level.SUCCESS, text),),
        data=_data(view),
    )


@command("schedule list", args=ScheduleListArgs, roles=READERS)
async def schedule_list_command(ctx: CommandContext, args: ScheduleListArgs) -> Reply:
    """The digest schedules: what runs when, to whom, and how the last run went."""
    views = await _book(ctx).listing(ctx.now)
    data = [_data(view) for view in views]
    if not views:
        text = "No schedules. Add one with /schedule add."
        return Reply(title="Schedules", blocks=(Notice(Level.INFO, text),), data=data)
    rows = tuple(
        (
            view.name,
            view.command,
            f"{view.cron} ({view.tz})",
            _when(view),
            ", ".join(view.recipients),
            _last(view),
        )
        for view in views
    )
    columns = ("name", "command", "when", "next run", "to", "last run")
    return Reply(title="Schedules", blocks=(Table(columns, rows),), data=data)


@command("schedule remove", args=ScheduleNameArgs, roles=ADMINS)
async def schedule_remove_command(ctx: CommandContext, args: ScheduleNameArgs) -> Reply:
    """Stop and forget a schedule made with /schedule add."""
    view = await _book(ctx).remove(args.name)
    return Reply(
        title="Schedule removed",
        blocks=(Notice(Level.SUCCESS, f"Schedule {view.name} removed."),),
        data=_data(view),
    )


@command("schedule run-now", args=ScheduleNameArgs, roles=ADMINS)
async def schedule_run_now_command(ctx: CommandContext, args: ScheduleNameArgs) -> Reply:
    """Run a schedule once now, to its recipients, besides its regular runs."""
    said = await _book(ctx).run_now(args.name, ctx.now)
    return Reply(title="Schedule run", blocks=(Notice(Level.SUCCESS, said),))


def _book(ctx: CommandContext) -> ScheduleBook:
    if ctx.schedules is None:
        raise UserError("This Deskhand keeps no schedules.")
    return ctx.schedules


def _when(view: ScheduleView) -> str:
    return f"{view.next_run:%a %Y-%m-%d %H:%M} {view.tz}" if view.next_run else "never"


def _last(view: ScheduleView) -> str:
    if view.last_run is None:
        return "not run yet"
    return f"{view.last_run:%Y-%m-%d %H:%M}: {view.last_result or 'nothing to send'}"


def _data(view: ScheduleView) -> dict[str, object]:
    return {
        "name": view.name,
        "command": view.command,
        "cron": view.cron,
        "timeZone": view.tz,
        "recipients": list(view.recipients),
        "owner": view.owner,
        "source": view.source,
        "nextRun": iso_or_null(view.next_run),
        "lastRun": iso_or_null(view.last_run),
        "lastResult": view.last_result or None,
    }
