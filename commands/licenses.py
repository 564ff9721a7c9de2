"""/licenses: what the tenant pays for, what is used, and who holds a licence for nothing."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cards.reply import Block, Heading, Level, Notice, Reply, Table
from commands.context import CommandContext
from commands.formatting import ago, days_since
from commands.registry import command
from commands.roster import Member, read_roster
from commands.user import INACTIVE_AFTER_DAYS
from integrations.graph.directory import Sku

__all__ = ["LicensesArgs", "licenses_command"]

_SKU_FIELDS = ("skuId", "skuPartNumber", "prepaidUnits", "consumedUnits", "capabilityStatus")


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
    skus = [Sku.from_graph(item) for item in page.get("value") or ()]
    names = {sku.sku_id: ctx.products.name(sku.sku_id, sku.part_number) for sku in skus}
    skus.sort(key=lambda sku: names[sku.sku_id].lower())
    roster = await read_roster(
        ctx.graph, server_filter="", sign_ins=True, mfa=False, progress=ctx.progress
    )
    wasted = [m for m in roster.members if m.user.licensed and _wasted(m, ctx.now)]
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
                ", ".join(names.get(s, ctx.products.name(s, "")) for s in m.user.sku_ids),
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
    return Reply(title="Licences", blocks=tuple(blocks))


def _wasted(member: Member, now: datetime) -> bool:
    if not member.user.enabled:
        return True
    if member.sign_ins is None:
        return False
    last = member.sign_ins.last_activity
    return last is None or days_since(last, now) >= INACTIVE_AFTER_DAYS


def _why(member: Member, now: datetime) -> str:
    if not member.user.enabled:
        return "sign-in blocked"
    last = member.sign_ins.last_activity if member.sign_ins else None
    return "never signed in" if last is None else f"last active {ago(last, now)}"
