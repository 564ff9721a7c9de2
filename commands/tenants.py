"""/tenants: the customer tenants Deskhand serves."""

from __future__ import annotations

from pydantic import BaseModel

from cards.reply import Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.registry import command

__all__ = ["TenantsArgs", "tenants_command"]


class TenantsArgs(BaseModel):
    pass


@command("tenants", args=TenantsArgs)
async def tenants_command(ctx: CommandContext, args: TenantsArgs) -> Reply:
    """List the customer tenants you can work on."""
    rows = tuple((t.name, t.display_name, t.domain, t.tenant_id) for t in ctx.tenants)
    blocks: list[Table | Notice] = [Table(("name", "organisation", "domain", "tenant id"), rows)]
    if any(t.sandbox for t in ctx.tenants):
        blocks.append(
            Notice(Level.INFO, "These are the built-in sandbox tenants: nothing here is real.")
        )
    data = [
        {
            "name": t.name,
            "displayName": t.display_name,
            "tenantId": t.tenant_id,
            "domains": list(t.domains),
            "sandbox": t.sandbox,
        }
        for t in ctx.tenants
    ]
    return Reply(title="Tenants", blocks=tuple(blocks), data=data)
