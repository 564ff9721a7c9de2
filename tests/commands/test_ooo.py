"""/ooo set and /ooo off: the documented mailboxSettings PATCH, the sandbox's mailbox after,
each bad input a clear message, and the whole router once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.approvals.cards import action_button, parse_action
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.kit.context import CommandContext
from commands.kit.plan import plan_changes
from commands.kit.registry import Role
from commands.ooo import OooOffArgs, OooSetArgs, ooo_off, ooo_set, plan_ooo_off, plan_ooo_set
from core.errors import Forbidden, UserError
from sandbox import Sandbox
from sandbox.exchange.mailboxes import AutoReplies
from tests.commands.contexts import contoso_context
from tests.commands.replies import facts, text
from tests.plugins.runtime import OPERATOR, Ask

ADELE = "adele.vance@contoso.com"
NOW = datetime.fromisoformat("2026-11-25T08:00:00+00:00")


def _sandbox(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


def _ctx(runtime: Runtime) -> CommandContext:
    tenant = next(t for t in runtime.router.tenants.tenants if t.name == "contoso")
    return contoso_context(
        runtime, exchange_client=runtime.router.tenants.exchange(tenant), now=NOW
    )


def _replies(runtime: Runtime, upn: str = ADELE) -> AutoReplies:
    tenant = _sandbox(runtime).tenant("contoso")
    user = tenant.directory.find_user(upn)
    assert user is not None
    return tenant.exchange.state(user.id).auto_replies


def _patches(runtime: Runtime) -> list[tuple[str, Any]]:
    return [
        (r.path, r.body)
        for r in _sandbox(runtime).requests
        if r.method == "PATCH" and r.path.endswith("/mailboxSettings")
    ]


def _user_id(runtime: Runtime, upn: str = ADELE) -> str:
    user = _sandbox(runtime).tenant("contoso").directory.find_user(upn)
    assert user is not None
    return user.id


async def _run_set(runtime: Runtime, **fields: Any) -> Reply:
    args = OooSetArgs.model_validate({"user": ADELE, **fields})
    ctx = _ctx(runtime)
    plan = await plan_ooo_set(ctx, args)
    return await ooo_set(ctx, args, plan)


def test_ooo_is_destructive_for_technicians_with_mailbox_settings_permission() -> None:
    for name in ("ooo set", "ooo off"):
        spec = REGISTRY.get(name)
        assert spec is not None and spec.destructive
        assert spec.roles == {Role.TECHNICIAN, Role.ADMIN}
        assert "MailboxSettings.ReadWrite" in spec.permissions


async def test_ooo_set_turns_replies_on_with_the_documented_patch(runtime: Runtime) -> None:
    args = OooSetArgs(user=ADELE, internal="Away until Monday.", external="I am out of office.")
    ctx = _ctx(runtime)

    plan = await plan_ooo_set(ctx, args)
    reply = await ooo_set(ctx, args, plan)

    assert plan.effects == (
        f"Turn on automatic replies for {ADELE} now, until someone turns them off",
        "Reply inside the organisation: “Away until Monday.”",
        "Reply to people outside the organisation: “I am out of office.”",
    )
    assert plan.state["autoReplies"] == "disabled"
    assert _patches(runtime) == [
        (
            f"/v1.0/users/{_user_id(runtime)}/mailboxSettings",
            {
                "automaticRepliesSetting": {
                    "status": "alwaysEnabled",
                    "externalAudience": "all",
                    "internalReplyMessage": "Away until Monday.",
                    "externalReplyMessage": "I am out of office.",
                }
            },
        )
    ]
    assert _replies(runtime) == AutoReplies(
        "alwaysEnabled", "all", "Away until Monday.", "I am out of office."
    )
    assert reply.level is Level.SUCCESS, text(reply)
    assert facts(reply)["Status"] == "alwaysEnabled"


async def test_a_schedule_without_offset_is_in_the_mailbox_zone_and_with_one_in_utc(
    runtime: Runtime,
) -> None:
    await _run_set(runtime, internal="Holiday", start="2026-12-20T09:00", end="2026-12-31T17:00")
    local = _patches(runtime)[-1][1]["automaticRepliesSetting"]
    await _run_set(
        runtime, internal="Trip", start="2027-01-05T09:00+02:00", end="2027-01-06T18:00+02:00"
    )
    utc = _patches(runtime)[-1][1]["automaticRepliesSetting"]

    assert local["status"] == "scheduled"
    assert local["externalAudience"] == "none"
    assert "externalReplyMessage" not in local
    assert local["scheduledStartDateTime"] == {
        "dateTime": "2026-12-20T09:00:00",
        "timeZone": "Pacific Standard Time",
    }
    assert local["scheduledEndDateTime"]["dateTime"] == "2026-12-31T17:00:00"
    assert utc["scheduledStartDateTime"] == {"dateTime": "2027-01-05T07:00:00", "timeZone": "UTC"}
    assert utc["scheduledEndDateTime"] == {"dateTime": "2027-01-06T16:00:00", "timeZone": "UTC"}
    assert _replies(runtime).start == ("2027-01-05T07:00:00.0000000", "UTC")


async def test_ooo_off_turns_them_off_and_keeps_the_messages(runtime: Runtime) -> None:
    await _run_set(runtime, internal="Away")
    ctx = _ctx(runtime)
    args = OooOffArgs(user=ADELE)

    plan = await plan_ooo_off(ctx, args)
    reply = await ooo_off(ctx, args, plan)

    assert plan.effects == (
        f"Turn off automatic replies for {ADELE} (now always on; the messages are kept)",
    )
    assert _patches(runtime)[-1][1] == {"automaticRepliesSetting": {"status": "disabled"}}
    assert _replies(runtime).status == "disabled"
    assert _replies(runtime).internal_message == "Away"
    assert reply.level is Level.SUCCESS


async def test_a_change_between_confirming_and_running_stops_the_action(runtime: Runtime) -> None:
    ctx = _ctx(runtime)
    args = OooSetArgs(user=ADELE, internal="Away")
    confirmed = await plan_ooo_set(ctx, args)
    await _run_set(runtime, internal="Someone else's text")

    again = await plan_ooo_set(ctx, args)

    assert plan_changes(confirmed, again) == ["autoReplies"]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (f"/ooo set {ADELE} --internal Away --start 2026-12-01T09:00", "both --start and --end"),
        (
            f"/ooo set {ADELE} --internal Away --start 2026-12-02T09:00 --end 2026-12-01T09:00",
            "--end must be after --start",
        ),
        (
            f"/ooo set {ADELE} --internal Away --start 2020-01-01T09:00 --end 2020-01-02T09:00",
            "has already passed",
        ),
        (f'/ooo set {ADELE} --internal " "', "--internal needs the text"),
        (f"/ooo set {ADELE}", "--internal is missing."),
        ("/ooo set breakglass@contoso.com --internal Away", "has no Exchange Online mailbox"),
        (f"/ooo off {ADELE}", "already off; nothing to do"),
        ("/ooo off breakglass@contoso.com", "has no Exchange Online mailbox"),
    ],
)
async def test_bad_input_gets_a_clear_message_and_changes_nothing(
    runtime: Runtime, ask: Ask, line: str, words: str
) -> None:
    reply = await ask(line)

    assert reply.level is Level.ERROR
    assert words in text(reply), text(reply)
    assert _patches(runtime) == []


async def test_setting_the_same_replies_again_is_nothing_to_do(runtime: Runtime) -> None:
    await _run_set(runtime, internal="Away")

    with pytest.raises(UserError, match="already set exactly so"):
        await plan_ooo_set(_ctx(runtime), OooSetArgs(user=ADELE, internal="Away"))


async def test_without_mailbox_settings_permission_the_permission_is_named(
    runtime: Runtime,
) -> None:
    # MailboxSettings.Read (granted on the demo for /forwarding show) reads them too.
    _sandbox(runtime).tenant("contoso").permissions -= {
        "MailboxSettings.ReadWrite",
        "MailboxSettings.Read",
    }

    with pytest.raises(Forbidden) as caught:
        await plan_ooo_set(_ctx(runtime), OooSetArgs(user=ADELE, internal="Away"))

    assert "MailboxSettings.Read" in caught.value.message


def _confirm_button(reply: Reply) -> str:
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision and decision[1] == "confirm":
            return action_button(decision[0], "confirm")
    raise AssertionError(f"no confirm button in {reply!r}")


async def test_ooo_set_through_the_router_after_confirmation(runtime: Runtime, ask: Ask) -> None:
    card = await ask(f'/ooo set {ADELE} --internal "Back on Monday" --reason TCK-42')
    assert _patches(runtime) == []

    done = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )

    assert "Turn on automatic replies" in text(card)
    assert done.level is Level.SUCCESS, text(done)
    assert _replies(runtime).status == "alwaysEnabled"
    assert len(_patches(runtime)) == 1
