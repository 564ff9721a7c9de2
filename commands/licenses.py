"""/licenses: what the tenant pays for, what is used, and who holds a licence for nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cards.reply import Block, Heading, Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.formatting import ago, days_since, iso_or_null
from commands.kit.registry import command
from commands.queries.roster import Member, read_roster
from commands.user import INACTIVE_AFTER_DAYS
from integrations.graph.directory import Sku

__all__ = ["LicensesArgs", "licenses_command"]

_SKU_FIELDS = ("skuId", "skuPartNumber", "prepaidUnits", "consumedUnits", "capabilityStatus")
_UNITS = ("enabled", "suspended", "warning", "lockedOut")


class LicensesArgs(BaseModel):
    tenant: str | None = Field(None, description="the customer tenant (see /tenants)")


@command(
    "licenses",
    args=LicensesArgs,
    aliases=("licences",),
    permissions=("Organization.Read.All", "User.Read.All", "AuditLog.Read.All"),
)
async def licenses_command(ctx: CommandContext, args: LicensesArgs) -> Reply:
    """Show each licence's purchased, assigned and free seats, and who wastes one."""
    page = await ctx.graph.get("/subscribedSkus", select=_SKU_FIELDS)
    bodies = [item for item in page.get("value") or () if isinstance(item, Mapping)]
    pairs = [(Sku.from_graph(body), body) for body in bodies]
    names = {sku.sku_id: ctx.products.name(sku.sku_id, sku.part_number) for sku, _ in pairs}
    pairs.sort(key=lambda pair: names[pair[0].sku_id].lower())
    skus = [sku for sku, _ in pairs]
    roster = await read_roster(
        ctx.graph, server_filter="", sign_ins=True, mfa=False, progress=ctx.progress
    )
    wasted = [m for m in roster.members if m.user.licensed and _wasted(m, ctx.now)]
    held = {
        m.user.id: [names.get(s) or ctx.products.name(s, "") for s in m.user.sku_ids]
        for m in wasted
    }
    blocks: list[Block] = [
        Table(
            ("product", "purchased", "assigned", "available", "status"),
            tuple(
                (
                    names[sku.sku_id],
                    str(sku.enabled),
                    str(sku.consumed),
                    str(sku.available),
                    sku.capability,
                )
                for sku in skus
            ),
        ),
        Heading("Licensed but blocked or inactive"),
    ]
    if wasted:
        rows = tuple(
            (
                m.user.display_name,
                m.user.upn,
                _why(m, ctx.now),
                ", ".join(held[m.user.id]),
            )
            for m in wasted
        )
        blocks.append(Table(("name", "UPN", "why", "licences"), rows))
    else:
        blocks.append(Notice(Level.SUCCESS, "Every licensed account is enabled and in use."))
    if roster.sign_ins_problem:
        blocks.append(
            Notice(
                Level.INFO,
                f"Inactive accounts: sign-in activity {roster.sign_ins_problem}; "
                "only blocked accounts are listed.",
            )
        )
    low = [sku for sku in skus if sku.enabled and sku.available == 0]
    if low:
        full = ", ".join(names[sku.sku_id] for sku in low)
        blocks.append(Notice(Level.WARNING, f"No free seats: {full}."))
    data = {
        "subscribedSkus": [_sku_data(sku, body, names[sku.sku_id]) for sku, body in pairs],
        "blockedOrInactiveLicensedUsers": [_member_data(m, held[m.user.id]) for m in wasted],
        "unavailable": (
            {"signInActivity": roster.sign_ins_problem} if roster.sign_ins_problem else {}
        ),
    }
    return Reply(title="Licences", blocks=tuple(blocks), data=data)


def _sku_data(sku: Sku, body: Mapping[str, Any], name: str) -> dict[str, Any]:
    """One subscribedSku under Graph's names, with the product's name and the free seats."""
    prepaid = body.get("prepaidUnits")
    units = prepaid if isinstance(prepaid, Mapping) else {}
    return {
        "skuId": sku.sku_id,
        "skuPartNumber": sku.part_number,
        "productName": name,
        "prepaidUnits": {key: _count(units.get(key)) for key in _UNITS},
        "consumedUnits": sku.consumed,
        "availableUnits": sku.available,
        "capabilityStatus": sku.capability or None,
    }


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def _member_data(member: Member, licences: list[str]) -> dict[str, Any]:
    """A licensed account that is blocked or idle, as Graph names its properties."""
    user, sign_ins = member.user, member.sign_ins
    return {
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.upn,
        "accountEnabled": user.enabled,
        "signInActivity": None
        if sign_ins is None
        else {
            "lastSignInDateTime": iso_or_null(sign_ins.interactive),
            "lastNonInteractiveSignInDateTime": iso_or_null(sign_ins.non_interactive),
        },
        "assignedLicenses": [{"skuId": sku} for sku in user.sku_ids],
        "licenseNames": licences,
        "reason": _reason(member),
    }


def _reason(member: Member) -> str:
    """Why the licence is wasted, as a word a script can compare: signInBlocked, neverSignedIn
    or inactive."""
    if not member.user.enabled:
        return "signInBlocked"
    last = member.sign_ins.last_activity if member.sign_ins else None
    return "neverSignedIn" if last is None else "inactive"


def _wasted(member: Member, now: datetime) -> bool:
    if not member.user.enabled:
        return True
    if member.sign_ins is None:
        return False
    last = member.sign_ins.last_activity
    return last is None or days_since(last, now) >= INACTIVE_AFTER_DAYS


def _why(member: Member, now: datetime) -> str:
    reason = _reason(member)
    if reason == "inactive" and member.sign_ins is not None:
        return f"last active {ago(member.sign_ins.last_activity, now)}"
    return "sign-in blocked" if reason == "signInBlocked" else "never signed in"
