"""/license add and /license remove: one licence for one user, with seats checked first.

Both are `POST /users/{id}/assignLicense` (user-assignlicense.md) with `addLicenses` or
`removeLicenses` (Graph wants both collections, one of them empty), least privileged with
LicenseAssignment.ReadWrite.All. The licence is named by part number (`SPE_E3`) or product name
("Microsoft 365 E3"), resolved against the tenant's `/subscribedSkus`, whose `prepaidUnits.enabled`
minus `consumedUnits` are the free seats. A licence needs the user's usage location: when it is
missing, the executor sets it first (`PATCH /users/{id}` `usageLocation`, User.ReadUpdate.All),
from `--usage-location` or the tenant's country (`/organization` `countryLetterCode`).
Licences inherited through group-based licensing (`licenseAssignmentStates[].assignedByGroup`)
cannot be removed from the user directly: the membership carries them.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from pydantic import Field, field_validator

from cards.reply import Facts, Level, Notice, Reply
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan
from commands.kit.readback import applied, read_back
from commands.kit.registry import ACTION_ROLES, command, positional
from commands.queries.license_lookup import (
    USER_LICENSE_FIELDS,
    License,
    group_names,
    holding_of,
    match_license,
    read_holding,
    subscribed_licenses,
    tenant_country,
)
from commands.queries.targets import Target, find_target, user_plan
from core.errors import Forbidden, IntegrationError, Rejected, UserError

__all__ = [
    "LicenseAddArgs",
    "LicenseRemoveArgs",
    "license_add",
    "license_remove",
    "plan_license_add",
    "plan_license_remove",
]

_ASSIGN = "LicenseAssignment.ReadWrite.All"
_USAGE_WRITE = "User.ReadUpdate.All"
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_USABLE = frozenset({"Enabled", "Warning"})
_PERMISSIONS = (
    _ASSIGN,
    "Organization.Read.All",  # subscribedSkus, organization
    "User.Read.All",
    "RoleManagement.Read.Directory",  # protected accounts
)


class LicenseRemoveArgs(ActionArgs):
    user: str = positional("the user: a UPN, e-mail address or object id")
    sku: str = positional(
        'the licence: its part number (SPE_E3) or product name ("Microsoft 365 E3")', rest=True
    )


class LicenseAddArgs(LicenseRemoveArgs):
    usage_location: str | None = Field(
        None,
        description="two-letter country code set first when the user has no usage location "
        "(default: the tenant's country)",
    )

    @field_validator("usage_location")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _COUNTRY.match(value.strip()):
            raise ValueError("give a two-letter country code such as US, GB or DE")
        return value.strip().upper()


# --- add --------------------------------------------------------------------------------------


async def plan_license_add(ctx: CommandContext, args: LicenseAddArgs) -> Plan:
    target = await find_target(ctx, args.user)
    licence = match_license(ctx, await subscribed_licenses(ctx), args.sku)
    tenant = ctx.current_tenant.display_name
    holding, location = await read_holding(ctx, target, licence.sku.sku_id)
    if holding.held:
        how = (
            "directly"
            if holding.direct
            else f"through group {await group_names(ctx, holding.group_ids)}"
        )
        raise UserError(f"{target.label} already has {licence.label} {how}; nothing to do.")
    if licence.sku.capability not in _USABLE:
        raise UserError(
            f"The {licence.label} subscription of {tenant} is {licence.sku.capability}: no new "
            "assignments. Renew it in the Microsoft 365 admin center (Billing > Your products)."
        )
    if licence.sku.available <= 0:
        raise UserError(
            f"No {licence.label} licence is free in {tenant}: {licence.counts}. Free one with "
            f"/license remove USER {licence.sku.part_number}, or buy more in the Microsoft 365 "
            "admin center (Billing > Your products)."
        )
    effects, notes, new_location = await _usage_location(ctx, target, location, args)
    seats = licence.sku.available - 1
    effects.append(
        f"Assign {licence.label} to {target.upn} (assignLicense); {seats} free afterwards "
        f"({licence.counts} now)"
    )
    return await user_plan(
        ctx,
        target,
        summary=f"Give {target.label} a {licence.label} licence in {tenant}",
        effects=tuple(effects),
        notes=tuple(notes),
        skuId=licence.sku.sku_id,
        licence=licence.label,
        licensed=False,
        usageLocation=location,
        setUsageLocation=new_location,
    )


async def _usage_location(
    ctx: CommandContext, target: Target, location: str, args: LicenseAddArgs
) -> tuple[list[str], list[str], str]:
    """Effects and notes about the usage location, and the one to set ("" for none)."""
    if location:
        notes = []
        if args.usage_location and args.usage_location != location:
            notes.append(
                f"{target.upn} keeps usage location {location}: --usage-location applies only "
                "when it is missing (change it with /edit-user --usage-location)."
            )
        return [], notes, ""
    if args.usage_location:
        return (
            [f"Set {target.upn}'s usage location to {args.usage_location} (as given)"],
            [],
            args.usage_location,
        )
    country = await tenant_country(ctx)
    if not country:
        raise UserError(
            f"{target.label} has no usage location, which a licence needs, and "
            f"{ctx.current_tenant.display_name} has no country to default to. Run the command "
            "again with --usage-location XX."
        )
    return (
        [
            f"Set {target.upn}'s usage location to {country}, the tenant's country "
            "(--usage-location chooses another)"
        ],
        [],
        country,
    )


@command(
    "license add",
    args=LicenseAddArgs,
    roles=ACTION_ROLES,
    permissions=(*_PERMISSIONS, _USAGE_WRITE),
    plan=plan_license_add,
    aliases=("licence add",),
)
async def license_add(ctx: CommandContext, args: LicenseAddArgs, plan: Plan) -> Reply:
    """Give a user a licence, when a seat is free.

    Sets the user's usage location first when it is missing (--usage-location XX, or the
    tenant's country).
    """
    sku_id = str(plan.state["skuId"])
    location = str(plan.state.get("setUsageLocation") or "")
    if location:
        try:
            await ctx.graph.request(
                "PATCH", f"/users/{plan.target_id}", json={"usageLocation": location}
            )
        except Forbidden as error:
            raise _forbidden(error, plan, _USAGE_WRITE, "set the usage location of") from None
    body = {"addLicenses": [{"disabledPlans": [], "skuId": sku_id}], "removeLicenses": []}
    try:
        await _assign(ctx, plan, body)
    except (UserError, IntegrationError) as error:
        if not location:
            raise
        # The usage location is set by now: say so, with why the licence is not.
        return _partly_changed(
            plan,
            f"set the usage location to {location}, but the licence was not assigned: "
            f"{error.message}",
        )
    return await _checked(ctx, plan, licensed=True)


# --- remove -----------------------------------------------------------------------------------


async def plan_license_remove(ctx: CommandContext, args: LicenseRemoveArgs) -> Plan:
    target = await find_target(ctx, args.user)
    licence = match_license(ctx, await subscribed_licenses(ctx), args.sku)
    tenant = ctx.current_tenant.display_name
    holding, location = await read_holding(ctx, target, licence.sku.sku_id)
    if not holding.held:
        raise UserError(f"{target.label} has no {licence.label} licence; nothing to remove.")
    groups = await group_names(ctx, holding.group_ids) if holding.group_ids else ""
    if not holding.direct:
        raise UserError(
            f"{target.label} gets {licence.label} through group-based licensing (group "
            f"{groups}), so it cannot be removed from the user directly. Remove them from the "
            f"group (/group remove {target.upn} GROUP) or change the group's licences in the "
            "Microsoft Entra admin center."
        )
    effects = [f"Remove the directly assigned {licence.label} from {target.upn} (assignLicense)"]
    if groups:
        effects.append(f"{target.upn} keeps {licence.label} through group {groups}")
    else:
        effects.append(f"One {licence.label} seat is freed ({licence.counts} now)")
    return await user_plan(
        ctx,
        target,
        summary=f"Remove {target.label}'s {licence.label} licence in {tenant}",
        effects=tuple(effects),
        notes=(
            "The licence's services stop for the user; Microsoft keeps their data (mailbox, "
            "OneDrive) for about 30 days, so assigning a licence again within that time keeps it.",
        ),
        skuId=licence.sku.sku_id,
        licence=licence.label,
        licensed=True,
        usageLocation=location,
    )


@command(
    "license remove",
    args=LicenseRemoveArgs,
    roles=ACTION_ROLES,
    permissions=_PERMISSIONS,
    plan=plan_license_remove,
    aliases=("licence remove",),
)
async def license_remove(ctx: CommandContext, args: LicenseRemoveArgs, plan: Plan) -> Reply:
    """Take a directly assigned licence away from a user, freeing its seat.

    A licence inherited through a group is removed by leaving the group.
    """
    body = {"addLicenses": [], "removeLicenses": [str(plan.state["skuId"])]}
    await _assign(ctx, plan, body)
    return await _checked(ctx, plan, licensed=False)


# --- shared -----------------------------------------------------------------------------------


async def _assign(ctx: CommandContext, plan: Plan, body: dict[str, Any]) -> None:
    try:
        await ctx.graph.request("POST", f"/users/{plan.target_id}/assignLicense", json=body)
    except Forbidden as error:
        raise _forbidden(error, plan, _ASSIGN, "change the licences of") from None
    except Rejected as error:
        raise _refused(error, plan) from None


async def _checked(ctx: CommandContext, plan: Plan, *, licensed: bool) -> Reply:
    """Read the user and the seats back until the change shows."""
    sku_id = str(plan.state["skuId"])
    licence = str(plan.state.get("licence") or sku_id)
    seen = await read_back(
        ctx,
        partial(_user_and_seats, ctx, plan.target_id),
        lambda state: (
            ""
            if holding_of(state[0], sku_id).direct == licensed
            else "it still lists the old assignment"
        ),
    )
    user, licences = seen.state or ({}, [])
    seats = next((lic.sku for lic in licences if lic.sku.sku_id == sku_id), None)
    free = f"{seats.available} of {seats.enabled}" if seats else "not reported"
    done = f"Gave {plan.target} {licence}" if licensed else f"Removed {licence} from {plan.target}"
    facts = [("Licence", licence), ("Free seats", free)]
    location = str(plan.state.get("setUsageLocation") or "")
    if location:
        facts.append(("Usage location", str(user.get("usageLocation") or location)))
    return applied(
        seen,
        title=f"Licence {'assigned' if licensed else 'removed'}: {plan.target}",
        blocks=(Facts(tuple(facts)),),
        done=f"{done} in {ctx.current_tenant.display_name}.",
        look=f"/user {plan.target}",
    )


async def _user_and_seats(
    ctx: CommandContext, user_id: str
) -> tuple[dict[str, Any], list[License]]:
    user = await ctx.graph.get(f"/users/{user_id}", select=USER_LICENSE_FIELDS)
    return user, await subscribed_licenses(ctx)


def _refused(error: Rejected, plan: Plan) -> UserError | Rejected:
    """Graph's 400s, in words a technician can act on."""
    licence = str(plan.state.get("licence") or "the licence")
    text = error.message.lower()
    if "available licenses" in text:
        return UserError(
            f"No {licence} seat was free any more when assigning it to {plan.target} (someone "
            "took the last one meanwhile). Free one or buy more, then try again. Nothing was "
            "changed."
        )
    if "usage location" in text:
        return UserError(
            f"{plan.target} has no valid usage location, which a licence needs. Set one with "
            f"/edit-user {plan.target} --usage-location XX, then try again."
        )
    if "inherited from a group" in text:
        return UserError(
            f"{plan.target}'s {licence} now comes from a group; remove them from that group "
            "instead. Nothing was changed."
        )
    return Rejected(
        f"Microsoft Graph refused the licence change for {plan.target}: {error.message} "
        "Nothing was changed.",
        **error.context,
    )


def _forbidden(error: Forbidden, plan: Plan, permission: str, what: str) -> Forbidden:
    return Forbidden(
        f"Microsoft Graph refused to {what} {plan.target}: the app needs the application "
        f"permission {permission} with admin consent. Grant it in the Microsoft Entra admin "
        "center (App registrations > API permissions).",
        permission=permission,
        **error.context,
    )


def _partly_changed(plan: Plan, text: str) -> Reply:
    return Reply(
        title=f"Changed only in part: {plan.target}",
        blocks=(
            Notice(
                Level.ERROR,
                f"Changed {plan.target} only in part: {text.rstrip('.')}. Look at the user with "
                f"/user {plan.target} before trying again.",
            ),
        ),
        level=Level.ERROR,
    )
