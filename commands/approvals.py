"""/confirm, /cancel, /approve, /deny and /pending: deciding on destructive actions.

The buttons on confirmation and approval cards run these same commands, so a click and a typed
`/approve ID` are checked, decided and audited the same way. Who may decide is the approvals
desk's business: the requester confirms or cancels, someone else approves or denies.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from cards.reply import Reply
from commands.kit.context import CommandContext
from commands.kit.registry import command, positional

__all__ = ["DecisionArgs", "DenyArgs", "PendingArgs"]


class DecisionArgs(BaseModel):
    action_id: str = positional("the action id shown on the card")


class DenyArgs(DecisionArgs):
    reason: str | None = Field(None, description="why; the requester is told")


class PendingArgs(BaseModel):
    pass


@command("confirm", args=DecisionArgs)
async def confirm_command(ctx: CommandContext, args: DecisionArgs) -> Reply:
    """Confirm a destructive action you asked for, so it runs (or goes to an approver)."""
    return await ctx.desk.decide(args.action_id, "confirm", ctx, "")


@command("cancel", args=DecisionArgs)
async def cancel_command(ctx: CommandContext, args: DecisionArgs) -> Reply:
    """Cancel a destructive action you asked for, before it runs."""
    return await ctx.desk.decide(args.action_id, "cancel", ctx, "")


@command("approve", args=DecisionArgs)
async def approve_command(ctx: CommandContext, args: DecisionArgs) -> Reply:
    """Approve someone else's destructive action; it runs at once."""
    return await ctx.desk.decide(args.action_id, "approve", ctx, "")


@command("deny", args=DenyArgs)
async def deny_command(ctx: CommandContext, args: DenyArgs) -> Reply:
    """Deny someone else's destructive action, saying why."""
    return await ctx.desk.decide(args.action_id, "deny", ctx, args.reason or "")


@command("pending", args=PendingArgs)
async def pending_command(ctx: CommandContext, args: PendingArgs) -> Reply:
    """List the destructive actions waiting to be confirmed or approved."""
    return await ctx.desk.waiting(ctx)
