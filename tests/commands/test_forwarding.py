"""/forwarding show and /forwarding off: Exchange's Get-/Set-Mailbox and Graph's inbox rules,
the sandbox's mailbox after, clear messages for what cannot be done, and the router once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.approvals.cards import action_button, parse_action
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.forwarding import (
    ForwardingArgs,
    ForwardingOffArgs,
    forwarding_off,
    forwarding_show,
    plan_forwarding_off,
)
from commands.kit.context import CommandContext
from commands.kit.plan import plan_changes
from commands.kit.registry import Role
from core.errors import UserError
from sandbox import Sandbox
from sandbox.exchange.mailboxes import MailboxState
from sandbox.model import User
from tests.commands.contexts import contoso_context
from tests.commands.replies import column, facts, notices, tables, text
from tests.plugins.runtime import OPERATOR, Ask

MEGAN = "megan.bowen@contoso.com"
ADELE = "adele.vance@contoso.com"
LYNNE = "lynne.robbins@contoso.com"


def _sandbox(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


def _ctx(runtime: Runtime) -> CommandContext:
    tenant = next(t for t in runtime.router.tenants.tenants if t.name == "contoso")
    return contoso_context(runtime, exchange_client=runtime.router.tenants.exchange(tenant))


def _user(runtime: Runtime, upn: str) -> User:
    user = _sandbox(runtime).tenant("contoso").directory.find_user(upn)
    assert user is not None
    return user


def _mailbox(runtime: Runtime, upn: str) -> MailboxState:
    return _sandbox(runtime).tenant("contoso").exchange.state(_user(runtime, upn).id)


def _writes(runtime: Runtime) -> list[tuple[str, str, Any]]:
    return [
        (r.method, r.path, r.body)
        for r in _sandbox(runtime).requests
        if r.method == "PATCH" or (r.path.endswith("/InvokeCommand") and "Set-" in str(r.body))
    ]


def test_show_is_read_only_and_off_is_destructive_with_exchange_permissions() -> None:
    show, off = REGISTRY.get("forwarding show"), REGISTRY.get("forwarding off")
    assert show is not None and off is not None
    assert not show.destructive and off.destructive
    assert off.roles == {Role.TECHNICIAN, Role.ADMIN}
    for spec in (show, off):
        assert "Exchange.ManageAsApp" in spec.permissions
        assert "Entra role: Exchange Administrator" in spec.permissions
    assert "MailboxSettings.Read" in show.permissions
    assert "MailboxSettings.ReadWrite" in off.permissions


async def test_show_lists_mailbox_forwarding_and_forwarding_rules_and_warns_about_outside(
    runtime: Runtime,
) -> None:
    reply = await forwarding_show(_ctx(runtime), ForwardingArgs(user=MEGAN))

    megan = _user(runtime, MEGAN)
    requests = _sandbox(runtime).requests
    exchange = next(r for r in requests if r.path.endswith("/InvokeCommand"))
    assert exchange.body == {
        "CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"Identity": megan.id}}
    }
    assert exchange.headers["X-AnchorMailbox"] == f"UPN:{MEGAN}"
    assert f"/v1.0/users/{megan.id}/mailFolders/inbox/messageRules" in [r.path for r in requests]
    assert facts(reply)["Mailbox forwards to"] == (
        "megan.bowen.archive@outlook.com (outside contoso.com)"
    )
    (rules,) = tables(reply)
    assert column(rules, "Inbox rule") == ["Invoices"]
    assert column(rules, "Sends mail") == [
        "redirects to accounts-payable@fabrikam-billing.net (outside contoso.com)"
    ]
    assert any("Mail leaves the organisation" in n for n in notices(reply))


async def test_show_for_internal_forwarding_gives_no_warning(runtime: Runtime) -> None:
    adele = await forwarding_show(_ctx(runtime), ForwardingArgs(user=ADELE))
    lynne = await forwarding_show(_ctx(runtime), ForwardingArgs(user=LYNNE))

    assert facts(adele)["Mailbox forwards to"] == "nowhere"
    assert column(tables(adele)[0], "Sends mail") == [f"forwards to {'alex.wilber@contoso.com'}"]
    assert facts(lynne)["Mailbox forwards to"] == "adele.vance"
    assert facts(lynne)["Keeps a copy"] == "yes"
    assert facts(lynne)["Inbox rules that forward"] == "none"
    assert not any(n.startswith("Mail leaves") for n in notices(adele) + notices(lynne))


async def test_show_without_exchange_access_still_shows_the_rules(runtime: Runtime) -> None:
    _sandbox(runtime).tenant("contoso").app_roles.discard("Exchange Administrator")

    reply = await forwarding_show(_ctx(runtime), ForwardingArgs(user=MEGAN))

    assert column(tables(reply)[0], "Inbox rule") == ["Invoices"]
    (problem,) = [n for n in notices(reply) if "could not be read" in n]
    assert "Exchange.ManageAsApp" in problem and "Exchange Administrator" in problem


async def test_off_clears_mailbox_forwarding_and_disables_forwarding_rules(
    runtime: Runtime,
) -> None:
    ctx = _ctx(runtime)
    args = ForwardingOffArgs(user=MEGAN)
    megan = _user(runtime, MEGAN)
    invoices = next(r for r in _mailbox(runtime, MEGAN).rules if r.name == "Invoices")

    plan = await plan_forwarding_off(ctx, args)
    reply = await forwarding_off(ctx, args, plan)

    assert plan.effects == (
        f"Stop mailbox forwarding of {MEGAN} to megan.bowen.archive@outlook.com: Set-Mailbox "
        "ForwardingSmtpAddress and ForwardingAddress to none",
        "Disable inbox rule “Invoices”, which redirects to accounts-payable@fabrikam-billing.net "
        "(kept, not deleted)",
    )
    assert plan.state["forwardingRules"] == invoices.id
    assert plan.protection.reasons == ()
    assert _writes(runtime) == [
        (
            "POST",
            f"/adminapi/beta/{_sandbox(runtime).tenant('contoso').tenant_id}/InvokeCommand",
            {
                "CmdletInput": {
                    "CmdletName": "Set-Mailbox",
                    "Parameters": {
                        "Identity": megan.id,
                        "ForwardingSmtpAddress": None,
                        "ForwardingAddress": None,
                        "DeliverToMailboxAndForward": False,
                    },
                }
            },
        ),
        (
            "PATCH",
            f"/v1.0/users/{megan.id}/mailFolders/inbox/messageRules/{invoices.id}",
            {"isEnabled": False},
        ),
    ]
    after = _mailbox(runtime, MEGAN)
    assert after.forwarding_smtp_address is None
    assert [(r.name, r.enabled) for r in after.rules] == [
        ("Invoices", False),
        ("Newsletters", True),
    ]
    assert reply.level is Level.SUCCESS, text(reply)
    assert facts(reply)["Inbox rules"] == "1 inbox rule disabled"


async def test_off_for_internal_forwarding_with_a_copy_clears_it(runtime: Runtime) -> None:
    ctx = _ctx(runtime)
    args = ForwardingOffArgs(user=LYNNE)

    plan = await plan_forwarding_off(ctx, args)
    reply = await forwarding_off(ctx, args, plan)

    assert plan.effects[0].startswith(f"Stop mailbox forwarding of {LYNNE} to adele.vance")
    assert "(it keeps a copy now)" in plan.effects[0]
    assert _mailbox(runtime, LYNNE) == MailboxState()
    assert reply.level is Level.SUCCESS


async def test_a_rule_disabled_after_confirming_stops_the_action(runtime: Runtime) -> None:
    ctx = _ctx(runtime)
    args = ForwardingOffArgs(user=ADELE)
    confirmed = await plan_forwarding_off(ctx, args)
    tenant = _sandbox(runtime).tenant("contoso")
    (rule,) = _mailbox(runtime, ADELE).rules
    tenant.exchange.replace_rule(_user(runtime, ADELE).id, replace(rule, enabled=False))

    with pytest.raises(UserError, match="forwards no mail"):
        await plan_forwarding_off(ctx, args)
    tenant.exchange.replace_rule(_user(runtime, ADELE).id, rule)
    tenant.exchange.put(
        _user(runtime, ADELE).id,
        MailboxState(forwarding_smtp_address="smtp:x@example.com", rules=(rule,)),
    )
    assert plan_changes(confirmed, await plan_forwarding_off(ctx, args)) == [
        "forwardingSmtpAddress"
    ]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("/forwarding show breakglass@contoso.com", "has no Exchange Online mailbox"),
        ("/forwarding off breakglass@contoso.com", "has no Exchange Online mailbox"),
        ("/forwarding off alex.wilber@contoso.com", "forwards no mail"),
        ("/forwarding off nobody-here@contoso.com", "nobody-here@contoso.com"),
        ("/forwarding stop", "/forwarding is followed by one more word"),
    ],
)
async def test_bad_input_gets_a_clear_message_and_changes_nothing(
    runtime: Runtime, ask: Ask, line: str, words: str
) -> None:
    reply = await ask(line)

    assert reply.level is Level.ERROR
    assert words in text(reply), text(reply)
    assert _writes(runtime) == []


def _confirm_button(reply: Reply) -> str:
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision and decision[1] == "confirm":
            return action_button(decision[0], "confirm")
    raise AssertionError(f"no confirm button in {reply!r}")


async def test_forwarding_off_through_the_router_after_confirmation(
    runtime: Runtime, ask: Ask
) -> None:
    card = await ask(f"/forwarding off {MEGAN} --reason TCK-99")
    assert _writes(runtime) == []

    done = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )

    assert done.level is Level.SUCCESS, text(done)
    assert _mailbox(runtime, MEGAN).forwarding_smtp_address is None
    shown = await ask(f"/forwarding show {MEGAN}")
    assert facts(shown)["Mailbox forwards to"] == "nowhere"
    assert column(tables(shown)[0], "State") == ["disabled"]
