"""/guard: a per-tenant switch that stops every destructive action in a tenant, and its status.

`/guard off --tenant T` stops destructive actions in T (the approvals engine asks before it
plans and again before it runs), `/guard on --tenant T` allows them again; admins of T only.
`/guard` alone shows the switch of every tenant you can see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from cards.reply import Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.formatting import iso_or_null, when
from commands.kit.registry import Role, command, positional
from commands.kit.services import GuardView
from core.errors import AccessDenied, UsageError

__all__ = ["GuardArgs", "guard_command"]


class GuardArgs(BaseModel):
    state: Literal["on", "off"] | None = positional(
        "on allows destructive actions, off stops them", default=None
    )
    tenant: str | None = Field(None, description="the tenant to switch (see /tenants)")
    reason: str | None = Field(None, max_length=500, description="why, kept in the audit log")

    def describe_change(self) -> str:
        if self.state is None:
            return ""
        change = f"destructive actions {self.state} in {self.tenant}"
        return f"{change}: {self.reason}" if self.reason else change


# With no --tenant, /guard shows every tenant you can see.
@command("guard", args=GuardArgs, every_tenant=True)
async def guard_command(ctx: CommandContext, args: GuardArgs) -> Reply:
    """Stop or allow every destructive action in a tenant, or show whether they are allowed.

    /guard off --tenant NAME --reason "..." stops them; /guard on --tenant NAME allows them
    again (admins of that tenant only). /guard alone shows every tenant you can see.
    """
    if ctx.guards is None:
        raise UsageError("This Deskhand keeps no tenant switches.")
    if args.state is None:
        tenants = [ctx.tenant] if ctx.tenant is not None else list(ctx.tenants)
        states = await ctx.guards.states([t.name for t in tenants])
        rows = tuple(_row(t.name, states.get(t.name), ctx.now) for t in tenants)
        return Reply(
            title="Destructive actions by tenant",
            blocks=(Table(("tenant", "destructive actions", "changed by", "when", "note"), rows),),
            data=[_guard_data(t.name, states.get(t.name)) for t in tenants],
        )
    if ctx.tenant is None:
        raise UsageError(f"Say which tenant: /guard {args.state} --tenant NAME.")
    tenant = ctx.tenant.name
    if ctx.grants is None or Role.ADMIN not in (await ctx.grants.for_actor(ctx.actor)).granted(
        tenant
    ):
        raise AccessDenied(f"Only an admin of {tenant} may switch its destructive actions.")
    enabled = args.state == "on"
    await ctx.guards.switch(
        tenant, enabled=enabled, by=ctx.actor.id, now=ctx.now, note=args.reason or ""
    )
    if enabled:
        notice = Notice(Level.SUCCESS, f"Destructive actions are allowed again in {tenant}.")
    else:
        notice = Notice(
            Level.WARNING,
            f"Destructive actions are stopped in {tenant} until an admin runs "
            f"/guard on --tenant {tenant}.",
        )
    return Reply(
        title=f"Guard of {ctx.tenant.display_name}",
        blocks=(notice,),
        data=_switch_data(tenant, enabled, ctx.actor.id, ctx.now, args.reason or ""),
    )


def _row(tenant: str, state: GuardView | None, now: datetime) -> tuple[str, ...]:
    if state is None:
        return (tenant, "on", "", "", "")
    shown = "on" if state.destructive_enabled else "OFF"
    return (tenant, shown, state.changed_by, when(state.changed_at, now), state.note)


def _guard_data(tenant: str, state: GuardView | None) -> dict[str, Any]:
    """A tenant's switch for scripts; a tenant never switched is enabled, with nulls."""
    if state is None:
        return _switch_data(tenant, True, "", None, "")
    return _switch_data(
        tenant, state.destructive_enabled, state.changed_by, state.changed_at, state.note
    )


def _switch_data(
    tenant: str, enabled: bool, by: str, at: datetime | None, note: str
) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "destructiveActionsEnabled": enabled,
        "changedBy": by or None,
        "changedAt": iso_or_null(at),
        "note": note or None,
    }
