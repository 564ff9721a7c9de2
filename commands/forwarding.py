"""/forwarding show and /forwarding off: where a user's mail is forwarded, and stopping it.

Two places forward mail. The mailbox itself (Exchange's ForwardingSmtpAddress, any address;
ForwardingAddress, a recipient of the organisation; DeliverToMailboxAndForward, keep a copy)
is read with Get-Mailbox and cleared with Set-Mailbox through Exchange's admin API
(Exchange.ManageAsApp and the Exchange Administrator role). Inbox rules with forwardTo,
redirectTo or forwardAsAttachmentTo actions are read with Graph
`GET /users/{id}/mailFolders/inbox/messageRules` (MailboxSettings.Read) and disabled, not
deleted, with `PATCH .../messageRules/{id}` `{"isEnabled": false}` (MailboxSettings.ReadWrite),
so the evidence stays for whoever investigates.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import BaseModel, Field

from cards.reply import Block, Facts, Level, Notice, Reply, Table
from commands.kit.context import CommandContext
from commands.kit.plan import ActionArgs, Plan
from commands.kit.readback import applied, read_back
from commands.kit.registry import ACTION_ROLES, ANYONE, command, positional
from commands.queries.mailboxes import is_mailbox_missing, mailbox_missing, needs_mailbox
from commands.queries.targets import Target, find_target, user_plan
from core.errors import IntegrationError, UserError
from integrations.exchange import EXCHANGE_PERMISSION, EXCHANGE_ROLE, Mailbox, smtp_address

__all__ = [
    "ForwardingArgs",
    "ForwardingOffArgs",
    "ForwardingRule",
    "forwarding_off",
    "forwarding_show",
    "plan_forwarding_off",
]

_EXCHANGE = (EXCHANGE_PERMISSION, f"Entra role: {EXCHANGE_ROLE}")
_ACTIONS = (
    ("forwardTo", "forwards to"),
    ("redirectTo", "redirects to"),
    ("forwardAsAttachmentTo", "forwards as attachment to"),
)


class ForwardingArgs(BaseModel):
    user: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)
    tenant: str | None = Field(None, description="the customer tenant (see /tenants)")


class ForwardingOffArgs(ActionArgs):
    user: str = positional("a UPN, e-mail address, object id or part of a name", rest=True)


@dataclass(frozen=True)
class ForwardingRule:
    """An inbox rule with at least one action that sends mail elsewhere."""

    id: str
    name: str
    enabled: bool
    sends: tuple[tuple[str, tuple[str, ...]], ...]
    """(what it does, addresses): ("redirects to", ("a@example.com",))."""
    actions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The same under Graph's action names: ("redirectTo", ("a@example.com",))."""

    @classmethod
    def from_graph(cls, body: dict[str, Any]) -> ForwardingRule | None:
        actions = body.get("actions")
        if not isinstance(actions, dict):
            return None
        found = tuple((key, verb, _addresses(actions.get(key))) for key, verb in _ACTIONS)
        if not any(addresses for _, _, addresses in found):
            return None
        return cls(
            id=str(body.get("id") or ""),
            name=str(body.get("displayName") or "(no name)"),
            enabled=body.get("isEnabled") is True,
            sends=tuple((verb, addresses) for _, verb, addresses in found if addresses),
            actions=tuple((key, addresses) for key, _, addresses in found),
        )

    @property
    def description(self) -> str:
        return "; ".join(f"{verb} {', '.join(addresses)}" for verb, addresses in self.sends)


def _addresses(recipients: Any) -> tuple[str, ...]:
    if not isinstance(recipients, list):
        return ()
    found = []
    for recipient in recipients:
        email = recipient.get("emailAddress") if isinstance(recipient, dict) else None
        address = email.get("address") if isinstance(email, dict) else None
        if isinstance(address, str) and address:
            found.append(address)
    return tuple(found)


async def _forwarding_rules(ctx: CommandContext, target: Target) -> list[ForwardingRule]:
    path = f"/users/{target.id}/mailFolders/inbox/messageRules"
    rules = [rule async for rule in ctx.graph.pages(path, select=())]
    found = (ForwardingRule.from_graph(rule) for rule in rules if isinstance(rule, dict))
    return [rule for rule in found if rule is not None]


async def _mailbox(ctx: CommandContext, target: Target) -> Mailbox:
    return await ctx.exchange.get_mailbox(target.id, anchor=target.upn)


def _external(address: str, ctx: CommandContext, target: Target) -> bool:
    domain = address.rsplit("@", 1)[-1].lower()
    own = {ctx.current_tenant.domain.lower(), target.upn.rsplit("@", 1)[-1].lower()}
    return "@" in address and domain not in own and not domain.endswith(".onmicrosoft.com")


def _mark(address: str, ctx: CommandContext, target: Target) -> str:
    return (
        f"{address} (outside {ctx.current_tenant.domain})"
        if _external(address, ctx, target)
        else address
    )


@command(
    "forwarding show",
    args=ForwardingArgs,
    roles=ANYONE,
    permissions=("User.Read.All", *_EXCHANGE, "MailboxSettings.Read"),
)
async def forwarding_show(ctx: CommandContext, args: ForwardingArgs) -> Reply:
    """Show where a user's mail is forwarded: the mailbox's own forwarding and inbox rules.

    Forwarding outside the organisation is marked: it is how mail leaves a compromised account.
    """
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    mailbox_read, rules_read = await asyncio.gather(
        _mailbox(ctx, target), _forwarding_rules(ctx, target), return_exceptions=True
    )
    for outcome in (mailbox_read, rules_read):
        if is_mailbox_missing(outcome):
            raise mailbox_missing(target, tenant)
        if isinstance(outcome, BaseException) and not isinstance(outcome, IntegrationError):
            raise outcome
    blocks: list[Block] = []
    outside = False
    data: dict[str, Any] = {
        "id": target.id,
        "userPrincipalName": target.upn,
        "mailbox": None,
        "inboxRules": None,
    }
    unavailable: dict[str, str] = {}
    if isinstance(mailbox_read, Mailbox):
        data["mailbox"] = _mailbox_data(mailbox_read, ctx, target)
        targets = [
            _mark(smtp_address(t) or t, ctx, target) for t in mailbox_read.forwarding_targets
        ]
        outside = _mailbox_outside(mailbox_read, ctx, target)
        copy = "yes" if mailbox_read.deliver_to_mailbox_and_forward else "no"
        blocks.append(
            Facts(
                (
                    ("Mailbox forwards to", ", ".join(targets) if targets else "nowhere"),
                    ("Keeps a copy", copy if targets else "-"),
                )
            )
        )
    else:
        assert isinstance(mailbox_read, IntegrationError)
        unavailable["mailbox"] = mailbox_read.message
        blocks.append(
            Notice(Level.ERROR, f"Mailbox forwarding could not be read: {mailbox_read.message}")
        )
    if isinstance(rules_read, list):
        data["inboxRules"] = [_rule_data(rule, ctx, target) for rule in rules_read]
        rows = tuple(
            (r.name, "enabled" if r.enabled else "disabled", _described(r, ctx, target))
            for r in rules_read
        )
        outside = outside or any(r.enabled and _rule_outside(r, ctx, target) for r in rules_read)
        if rows:
            blocks.append(
                Table(("Inbox rule", "State", "Sends mail"), rows, "Inbox rules that forward")
            )
        else:
            blocks.append(Facts((("Inbox rules that forward", "none"),)))
    else:
        assert isinstance(rules_read, IntegrationError)
        unavailable["inboxRules"] = rules_read.message
        blocks.append(Notice(Level.ERROR, f"Inbox rules could not be read: {rules_read.message}"))
    if outside:
        blocks.append(
            Notice(
                Level.WARNING,
                "Mail leaves the organisation. If nobody asked for this, treat the account as "
                f"compromised: /forwarding off {target.upn}, then /block and /reset-password.",
            )
        )
    data |= {"mailLeavesOrganisation": outside, "unavailable": unavailable}
    return Reply(title=f"Forwarding: {target.label} in {tenant}", blocks=tuple(blocks), data=data)


def _mailbox_data(mailbox: Mailbox, ctx: CommandContext, target: Target) -> dict[str, Any]:
    """Get-Mailbox's forwarding under Exchange's names, as Exchange gave the values."""
    return {
        "ForwardingSmtpAddress": mailbox.forwarding_smtp_address,
        "ForwardingAddress": mailbox.forwarding_address,
        "DeliverToMailboxAndForward": mailbox.deliver_to_mailbox_and_forward,
        "forwardsOutsideOrganisation": _mailbox_outside(mailbox, ctx, target),
    }


def _rule_data(rule: ForwardingRule, ctx: CommandContext, target: Target) -> dict[str, Any]:
    """An inbox rule under Graph's messageRule names (it is read through Graph), each action's
    recipients as addresses."""
    return {
        "id": rule.id,
        "displayName": rule.name,
        "isEnabled": rule.enabled,
        **{key: list(addresses) for key, addresses in rule.actions},
        "sendsOutsideOrganisation": _rule_outside(rule, ctx, target),
    }


def _mailbox_outside(mailbox: Mailbox, ctx: CommandContext, target: Target) -> bool:
    return any(_external(smtp_address(t) or t, ctx, target) for t in mailbox.forwarding_targets)


def _rule_outside(rule: ForwardingRule, ctx: CommandContext, target: Target) -> bool:
    return any(_external(a, ctx, target) for _, addresses in rule.sends for a in addresses)


def _described(rule: ForwardingRule, ctx: CommandContext, target: Target) -> str:
    return "; ".join(
        f"{verb} {', '.join(_mark(a, ctx, target) for a in addresses)}"
        for verb, addresses in rule.sends
    )


async def plan_forwarding_off(ctx: CommandContext, args: ForwardingOffArgs) -> Plan:
    target = await find_target(ctx, args.user)
    tenant = ctx.current_tenant.display_name
    mailbox = await needs_mailbox(_mailbox(ctx, target), target, tenant)
    rules = [r for r in await _forwarding_rules(ctx, target) if r.enabled]
    if not mailbox.forwards and not rules:
        raise UserError(
            f"{target.label} forwards no mail: no mailbox forwarding and no enabled inbox rule "
            "that forwards. Nothing to do."
        )
    effects = []
    if mailbox.forwards:
        copy = " (it keeps a copy now)" if mailbox.deliver_to_mailbox_and_forward else ""
        effects.append(
            f"Stop mailbox forwarding of {target.upn} to "
            f"{', '.join(smtp_address(t) or t for t in mailbox.forwarding_targets)}{copy}: "
            "Set-Mailbox ForwardingSmtpAddress and ForwardingAddress to none"
        )
    effects += [
        f"Disable inbox rule “{r.name}”, which {r.description} (kept, not deleted)" for r in rules
    ]
    return await user_plan(
        ctx,
        target,
        summary=f"Stop forwarding the mail of {target.label} in {tenant}",
        effects=tuple(effects),
        notes=(
            "Disabled rules stay in the mailbox, so they can be looked at or turned on again.",
            "Mail already forwarded stays where it went.",
        ),
        forwardingSmtpAddress=mailbox.forwarding_smtp_address,
        forwardingAddress=mailbox.forwarding_address,
        deliverToMailboxAndForward=mailbox.deliver_to_mailbox_and_forward,
        forwardingRules=",".join(sorted(r.id for r in rules)),
    )


@command(
    "forwarding off",
    args=ForwardingOffArgs,
    roles=ACTION_ROLES,
    permissions=(
        "User.Read.All",
        *_EXCHANGE,
        "MailboxSettings.ReadWrite",
        "RoleManagement.Read.Directory",
    ),
    plan=plan_forwarding_off,
)
async def forwarding_off(ctx: CommandContext, args: ForwardingOffArgs, plan: Plan) -> Reply:
    """Stop a user's mail forwarding: clear the mailbox's forwarding and disable (not delete)
    the inbox rules that forward."""
    problems: list[str] = []
    done: list[str] = []
    state = plan.state
    if state.get("forwardingSmtpAddress") or state.get("forwardingAddress"):
        try:
            await ctx.exchange.set_mailbox(
                plan.target_id,
                {
                    "ForwardingSmtpAddress": None,
                    "ForwardingAddress": None,
                    "DeliverToMailboxAndForward": False,
                },
                anchor=plan.target,
            )
            done.append("mailbox forwarding cleared")
        except IntegrationError as error:
            problems.append(f"clearing the mailbox forwarding failed: {error.message}")
    rule_ids = [r for r in str(state.get("forwardingRules") or "").split(",") if r]
    for rule_id in rule_ids:
        path = f"/users/{plan.target_id}/mailFolders/inbox/messageRules/{rule_id}"
        try:
            await ctx.graph.request("PATCH", path, json={"isEnabled": False})
        except IntegrationError as error:
            problems.append(f"disabling an inbox rule failed: {error.message}")
    look = f"/forwarding show {plan.target}"
    if problems:
        # Graph or Exchange refused part of it: nothing to wait for, say what to look at.
        return Reply(
            title=f"Forwarding not fully stopped: {plan.target}",
            blocks=(
                Notice(
                    Level.ERROR,
                    f"For {plan.target}: "
                    + "; ".join(problems)
                    + f". Run {look} to see what still forwards.",
                ),
            ),
            level=Level.ERROR,
        )
    seen = await read_back(ctx, partial(_forwarding_now, ctx, plan), partial(_still, rule_ids))
    rules = f"{len(rule_ids)} inbox rule{'s' if len(rule_ids) != 1 else ''} disabled"
    return applied(
        seen,
        title=f"Forwarding stopped: {plan.target}",
        blocks=(
            Facts(
                (
                    ("Mailbox forwarding", "cleared" if done else "none before"),
                    ("Inbox rules", rules),
                )
            ),
        ),
        done=f"{plan.target}'s mail is no longer forwarded. The disabled rules are kept for "
        "whoever investigates.",
        look=look,
    )


async def _forwarding_now(ctx: CommandContext, plan: Plan) -> tuple[Mailbox, list[dict[str, Any]]]:
    """The mailbox (Exchange) and its inbox rules (Graph) as they read now."""
    mailbox = await ctx.exchange.get_mailbox(plan.target_id, anchor=plan.target)
    path = f"/users/{plan.target_id}/mailFolders/inbox/messageRules"
    rules = [rule async for rule in ctx.graph.pages(path, select=())]
    return mailbox, rules


def _still(rule_ids: list[str], now: tuple[Mailbox, list[dict[str, Any]]]) -> str:
    """What still forwards of what was stopped, or ""."""
    mailbox, rules = now
    still = []
    if mailbox.forwards:
        still.append(
            f"Exchange still reports forwarding to {', '.join(mailbox.forwarding_targets)}"
        )
    enabled = [
        str(r.get("displayName"))
        for r in rules
        if isinstance(r, dict) and r.get("id") in rule_ids and r.get("isEnabled") is not False
    ]
    if enabled:
        still.append(f"Graph still reports enabled: {', '.join(enabled)}")
    return "; ".join(still)
