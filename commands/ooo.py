"""/ooo set and /ooo off: a user's automatic replies (out of office).

Both are `PATCH /users/{id}/mailboxSettings` with `automaticRepliesSetting`
(user-update-mailboxsettings.md, automaticrepliessetting.md): `status` alwaysEnabled,
scheduled (with `scheduledStartDateTime`/`scheduledEndDateTime`, each a dateTime and a
timeZone) or disabled; `externalAudience` all or none. Application permission
MailboxSettings.ReadWrite. The executor reads `mailboxSettings` back, as the planner does.
Times without an offset are the mailbox's own time zone, as Outlook shows them; with an
offset they are sent in UTC. A user without a mailbox is told so, and nothing changes.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pydantic import Field, model_validator

from cards.reply import Facts, Reply
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan
from commands.kit.readback import applied, read_back
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.mailboxes import needs_mailbox
from commands.queries.targets import Target, find_target, user_plan
from core.errors import UserError

__all__ = ["OooOffArgs", "OooSetArgs", "ooo_off", "ooo_set", "plan_ooo_off", "plan_ooo_set"]

PERMISSIONS = ("MailboxSettings.ReadWrite", "User.Read.All", "RoleManagement.Read.Directory")
_SETTING = "automaticRepliesSetting"
_MAX_MESSAGE = 8000
_SHOWN = 120
# A time without an offset is in the mailbox's zone, which is at most 14 hours from UTC.
_ZONE_SLACK = timedelta(hours=14)


class OooSetArgs(ActionArgs):
    user: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)
    internal: str = Field(..., description="the reply people in the organisation get")
    external: str | None = Field(
        None, description="the reply people outside get (leave out: they get none)"
    )
    start: datetime | None = Field(
        None, description="when replies start, e.g. 2026-12-01T09:00 (give --end too)"
    )
    end: datetime | None = Field(None, description="when replies stop, e.g. 2026-12-15T17:00")

    @model_validator(mode="after")
    def _consistent(self) -> OooSetArgs:
        if not self.internal.strip():
            raise ValueError("--internal needs the text of the reply")
        for text in (self.internal, self.external or ""):
            if len(text) > _MAX_MESSAGE:
                raise ValueError(f"a reply may hold at most {_MAX_MESSAGE} characters")
        if (self.start is None) != (self.end is None):
            raise ValueError("give both --start and --end for a schedule, or neither")
        if self.start is not None and self.end is not None:
            if (self.start.tzinfo is None) != (self.end.tzinfo is None):
                raise ValueError("give --start and --end both with a UTC offset, or both without")
            if self.end <= self.start:
                raise ValueError("--end must be after --start")
        return self


class OooOffArgs(ActionArgs):
    user: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)


def _plain(message: Any) -> str:
    """Graph stores replies as HTML; compare and show them as text."""
    text = re.sub(r"<[^>]+>", " ", str(message or ""))
    return " ".join(html.unescape(text).split())


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _graph_time(moment: datetime, zone: str) -> dict[str, str]:
    if moment.tzinfo is not None:
        return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": zone}


def _wanted(args: OooSetArgs, zone: str) -> dict[str, Any]:
    """The `automaticRepliesSetting` the command writes."""
    setting: dict[str, Any] = {
        "status": "scheduled" if args.start else "alwaysEnabled",
        "externalAudience": "all" if args.external else "none",
        "internalReplyMessage": args.internal,
    }
    if args.external:
        setting["externalReplyMessage"] = args.external
    if args.start is not None and args.end is not None:
        setting["scheduledStartDateTime"] = _graph_time(args.start, zone)
        setting["scheduledEndDateTime"] = _graph_time(args.end, zone)
    return setting


async def _settings(ctx: CommandContext, target: Target) -> dict[str, Any]:
    tenant = ctx.current_tenant.display_name
    read = ctx.graph.get(f"/users/{target.id}/mailboxSettings", select=())
    return await needs_mailbox(read, target, tenant)


def _current(settings: dict[str, Any]) -> dict[str, Any]:
    value = settings.get(_SETTING)
    return value if isinstance(value, dict) else {}


def _schedule(setting: dict[str, Any]) -> str:
    def shown(key: str) -> str:
        value = setting.get(key) or {}
        moment = str(value.get("dateTime", ""))[:16].replace("T", " ")
        return f"{moment} ({value.get('timeZone', '')})"

    return f"from {shown('scheduledStartDateTime')} to {shown('scheduledEndDateTime')}"


def _same(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    if str(current.get("status", "")).lower() != wanted["status"].lower():
        return False
    if _plain(current.get("internalReplyMessage")) != _plain(wanted["internalReplyMessage"]):
        return False
    if str(current.get("externalAudience", "")).lower() != wanted["externalAudience"].lower():
        return False
    if wanted["externalAudience"] != "none" and _plain(
        current.get("externalReplyMessage")
    ) != _plain(wanted.get("externalReplyMessage")):
        return False
    return wanted["status"] != "scheduled" or _schedule(current) == _schedule(wanted)


async def plan_ooo_set(ctx: CommandContext, args: OooSetArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    settings = await _settings(ctx, target)
    zone = str(settings.get("timeZone") or "UTC")
    if args.end is not None:
        end = args.end if args.end.tzinfo else args.end.replace(tzinfo=UTC) + _ZONE_SLACK
        if end <= ctx.now:
            raise UserError(f"--end {args.end:%Y-%m-%d %H:%M} has already passed; nothing to do.")
    wanted = _wanted(args, zone)
    current = _current(settings)
    if _same(current, wanted):
        raise UserError(
            f"Automatic replies for {target.label} are already set exactly so; nothing to do."
        )
    when = _schedule(wanted) if args.start else "now, until someone turns them off"
    external = (
        f"Reply to people outside the organisation: “{_short(args.external)}”"
        if args.external
        else "No reply to people outside the organisation"
    )
    return await user_plan(
        ctx,
        target,
        summary=f"Turn on automatic replies for {target.label} in {tenant}",
        effects=(
            f"Turn on automatic replies for {target.upn} {when}",
            f"Reply inside the organisation: “{_short(args.internal)}”",
            external,
        ),
        notes=(
            f"Times without a UTC offset are in the mailbox's time zone ({zone}).",
            "It replaces any automatic replies set now; /ooo off turns them off.",
        ),
        autoReplies=str(current.get("status") or "disabled"),
    )


@command(
    "ooo set",
    args=OooSetArgs,
    roles=ACTION_ROLES,
    permissions=PERMISSIONS,
    plan=plan_ooo_set,
)
async def ooo_set(ctx: CommandContext, args: OooSetArgs, plan: Plan) -> Reply:
    """Turn on a user's automatic replies (out of office), now or for a scheduled period.

    --internal is the reply inside the organisation; --external (optional) the reply to everyone
    outside; --start and --end (ISO 8601, both or neither) schedule it. Times without an offset
    are in the mailbox's time zone.
    """
    path = f"/users/{plan.target_id}/mailboxSettings"
    settings = await ctx.graph.get(path, select=())
    wanted = _wanted(args, str(settings.get("timeZone") or "UTC"))
    await ctx.graph.request("PATCH", path, json={_SETTING: wanted})
    seen = await read_back(ctx, partial(_setting, ctx, plan), partial(_differs, wanted))
    period = _schedule(wanted) if wanted["status"] == "scheduled" else "until turned off"
    external = _short(args.external) if args.external else "none"
    return applied(
        seen,
        title=f"Automatic replies on: {plan.target}",
        blocks=(
            Facts(
                (
                    ("Status", wanted["status"]),
                    ("When", period),
                    ("Inside the organisation", _short(args.internal)),
                    ("Outside the organisation", external),
                )
            ),
        ),
        done=f"{plan.target} now answers mail automatically {period}.",
        look="the mailbox in the Exchange admin center",
    )


async def plan_ooo_off(ctx: CommandContext, args: OooOffArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    current = _current(await _settings(ctx, target))
    status = str(current.get("status") or "disabled")
    if status.lower() == "disabled":
        raise UserError(f"Automatic replies for {target.label} are already off; nothing to do.")
    shown = "always on" if status.lower() == "alwaysenabled" else _schedule(current)
    return await user_plan(
        ctx,
        target,
        summary=f"Turn off automatic replies for {target.label} in {tenant}",
        effects=(
            f"Turn off automatic replies for {target.upn} (now {shown}; the messages are kept)",
        ),
        autoReplies=status,
    )


@command(
    "ooo off",
    args=OooOffArgs,
    roles=ACTION_ROLES,
    permissions=PERMISSIONS,
    plan=plan_ooo_off,
)
async def ooo_off(ctx: CommandContext, args: OooOffArgs, plan: Plan) -> Reply:
    """Turn off a user's automatic replies (out of office); the messages are kept."""
    path = f"/users/{plan.target_id}/mailboxSettings"
    await ctx.graph.request("PATCH", path, json={_SETTING: {"status": "disabled"}})
    off = {"status": "disabled"}
    seen = await read_back(ctx, partial(_setting, ctx, plan), partial(_differs, off))
    return applied(
        seen,
        title=f"Automatic replies off: {plan.target}",
        blocks=(Facts((("Status", "disabled"),)),),
        done=f"{plan.target} no longer answers mail automatically.",
        look="the mailbox in the Exchange admin center",
    )


async def _setting(ctx: CommandContext, plan: Plan) -> dict[str, Any]:
    """The setting as Graph reads it now, from the resource the command wrote to."""
    return _current(await ctx.graph.get(f"/users/{plan.target_id}/mailboxSettings", select=()))


def _differs(wanted: dict[str, Any], current: dict[str, Any]) -> str:
    """What of `wanted` the setting read back does not show, or ""."""
    if str(current.get("status", "")).lower() != wanted["status"].lower():
        return f"Graph reports automatic replies {current.get('status') or 'unknown'}"
    message = wanted.get("internalReplyMessage")
    if message is not None and _plain(current.get("internalReplyMessage")) != _plain(message):
        return "Graph reports another message for people inside the organisation"
    return ""
