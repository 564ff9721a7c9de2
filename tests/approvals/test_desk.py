"""The approvals desk: confirm, four-eyes, deny, expiry, stale plans, secrets, guards, limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.audit.log import AuditLog
from bot.config.approvals import ApprovalSettings
from bot.store.audit import list_audit
from cards.reply import Level, Reply
from commands.kit.context import Actor
from tests.approvals.desk_world import (
    ADMIN,
    APPROVER,
    CONSOLE_ADMIN,
    OTHER_TECH,
    STRANGER,
    TECH,
    WORLD,
    Person,
    make_desk,
    text_of,
)

FOUR_EYES = {"policies": [{"command": "wipe", "approval": "four-eyes", "console": False}]}
ROUTE = {"tenants": {"contoso": {"slack_channel": "CAPPROVE1", "approvers": ["abe@msp.example"]}}}


@pytest.fixture(autouse=True)
def world() -> AsyncIterator[None]:
    WORLD.clear()
    WORLD.update({"lynne": Person(), "admin": Person(admin=True)})
    yield
    WORLD.clear()


def button(reply: Reply, verb: str) -> str:
    return next(b.action_id for b in reply.buttons if b.action_id.endswith(f":{verb}"))


async def test_nothing_runs_until_the_requester_confirms(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    card = await d.say("/wipe lynne --reason T-1")
    assert card.private and "Wipe lynne in Contoso" in text_of(card)
    assert [b.label for b in card.buttons] == ["Confirm", "Cancel"]
    assert WORLD["lynne"].wiped == 0
    done = await d.click(button(card, "confirm"), TECH)
    assert done.level is Level.SUCCESS and WORLD["lynne"].wiped == 1
    again = await d.click(button(card, "confirm"), TECH)
    assert "has already run" in text_of(again) and WORLD["lynne"].wiped == 1
    async with d.store.engine.connect() as conn:
        outcomes = [r.outcome for r in await list_audit(conn) if r.command == "wipe"]
    assert {"proposed", "done"} <= set(outcomes)


async def test_a_double_click_runs_the_action_once(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    card = await d.say("/wipe lynne")
    clicks = [d.click(button(card, "confirm"), TECH) for _ in range(5)]
    replies = await asyncio.gather(*clicks)
    assert WORLD["lynne"].wiped == 1
    assert sum(r.level is Level.SUCCESS for r in replies) == 1


async def test_only_the_requester_can_confirm_or_cancel(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    card = await d.say("/wipe lynne")
    for verb in ("confirm", "cancel"):
        refused = await d.click(button(card, verb), OTHER_TECH)
        assert refused.failed and "Only Tess Tech" in text_of(refused)
    assert (await d.action_row())["state"] == "pending"
    cancelled = await d.click(button(card, "cancel"), TECH)
    assert "cancelled" in text_of(cancelled).lower() and WORLD["lynne"].wiped == 0


async def test_four_eyes_goes_to_the_approvers_and_never_to_the_requester(
    audit: AuditLog,
) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate({**FOUR_EYES, **ROUTE}))
    card = await d.say("/wipe lynne --reason T-2")
    waiting = await d.click(button(card, "confirm"), TECH)
    assert "Sent to the approvers of contoso" in text_of(waiting)
    [(channel, approval)] = d.slack.posts
    assert channel == "CAPPROVE1" and approval.mentions == ("abe@msp.example",)
    self_approval = await d.click(button(approval, "approve"), TECH)
    assert self_approval.failed and "four-eyes" in text_of(self_approval)
    no_role = await d.click(button(approval, "approve"), OTHER_TECH)
    assert no_role.failed and "approver or admin" in text_of(no_role)
    assert WORLD["lynne"].wiped == 0
    approved = await d.click(button(approval, "approve"), APPROVER)
    assert WORLD["lynne"].wiped == 1 and "done" in approved.title
    [(address, told)] = d.slack.told
    assert address == {"user": TECH.id} and told.level is Level.SUCCESS and told.private
    assert "Approved by" not in text_of(told) and "Wiped lynne" in text_of(told)
    assert d.slack.updates[-1][0] == {"channel": "CAPPROVE1", "ts": "1.0001"}
    row = await d.action_row()
    assert row["state"] == "done" and row["decided_by"] == "abe@msp.example"


async def test_a_deny_asks_why_then_tells_the_requester(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate({**FOUR_EYES, **ROUTE}))
    card = await d.say("/wipe lynne")
    await d.click(button(card, "confirm"), TECH)
    approval = d.slack.posts[0][1]
    form = await d.click(button(approval, "approve").replace(":approve", ":deny"), APPROVER)
    assert form.form is not None and form.form.inputs[0].name == "reason"
    denied = await d.click(form.form.form_id, APPROVER, {"reason": "not a leaver"})
    assert "Denied by abe@msp.example" in text_of(denied)
    assert "not a leaver" in text_of(d.slack.told[-1][1])
    assert WORLD["lynne"].wiped == 0
    late = await d.click(button(approval, "approve"), ADMIN)
    assert "was denied" in text_of(late) and WORLD["lynne"].wiped == 0


async def test_approvals_from_the_console_can_be_refused_by_policy(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate({**FOUR_EYES, **ROUTE}))
    card = await d.say("/wipe lynne")
    await d.click(button(card, "confirm"), TECH)
    action_id = str((await d.action_row())["id"])
    reply = await d.say(f"/approve {action_id}", CONSOLE_ADMIN, channel="console")
    assert reply.failed and "console are not accepted" in text_of(reply)
    assert WORLD["lynne"].wiped == 0


async def test_protected_targets_need_an_admin_who_is_not_the_requester(
    audit: AuditLog,
) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate(ROUTE))
    card = await d.say("/wipe admin")
    assert "Protected account (Global Administrator (active))" in text_of(card)
    await d.click(button(card, "confirm"), TECH)
    approval = d.slack.posts[0][1]
    refused = await d.click(button(approval, "approve"), APPROVER)
    assert refused.failed and "Only an admin of contoso" in text_of(refused)
    await d.click(button(approval, "approve"), ADMIN)
    assert WORLD["admin"].wiped == 1


async def test_an_action_expires_and_the_requester_is_told(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate(ROUTE))
    card = await d.say("/wipe lynne")
    d.clock.advance(minutes=16)
    late = await d.click(button(card, "confirm"), TECH)
    assert "has expired" in text_of(late) and WORLD["lynne"].wiped == 0
    second = await d.say("/wipe lynne")
    d.clock.advance(minutes=16)
    assert await d.desk.sweep() == 1
    assert "Expired" in text_of(d.slack.told[-1][1])
    assert "has expired" in text_of(await d.click(button(second, "confirm"), TECH))


async def test_approvers_are_reminded_once_before_expiry(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate({**FOUR_EYES, **ROUTE}))
    card = await d.say("/wipe lynne")
    await d.click(button(card, "confirm"), TECH)
    d.clock.advance(hours=23, minutes=30)
    await d.desk.sweep()
    await d.desk.sweep()
    reminders = [reply for _, reply in d.slack.posts if reply.title.startswith("Reminder")]
    assert len(reminders) == 1


async def test_a_target_changed_since_the_plan_is_left_alone(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    card = await d.say("/wipe lynne")
    WORLD["lynne"].enabled = False
    reply = await d.click(button(card, "confirm"), TECH)
    assert reply.failed and "changed since the action was planned (enabled)" in text_of(reply)
    assert WORLD["lynne"].wiped == 0
    assert (await d.action_row())["state"] == "failed"


async def test_a_typed_secret_is_never_stored_and_dies_with_its_process(
    audit: AuditLog,
) -> None:
    d = make_desk(audit, ApprovalSettings())
    card = await d.say("/wipe lynne --password Hunter2-Correct-Horse")
    row = await d.action_row()
    assert "Hunter2" not in repr(row)
    other_process = make_desk(audit, ApprovalSettings(), d.clock)
    reply = await other_process.click(button(card, "confirm"), TECH)
    assert reply.failed and "kept only in the memory" in text_of(reply)
    assert WORLD["lynne"].wiped == 0


async def test_a_typed_secret_reaches_only_the_requester(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    card = await d.say("/wipe lynne --password Hunter2-Correct-Horse")
    done = await d.click(button(card, "confirm"), TECH)
    assert done.secret == "Hunter2-Correct-Horse"
    async with d.store.engine.connect() as conn:
        assert "Hunter2" not in repr(await list_audit(conn))


async def test_a_reason_can_be_required(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate({"policies": [{"reason": True}]}))
    reply = await d.say("/wipe lynne")
    assert reply.failed and "needs a reason or ticket number" in text_of(reply)
    assert not (await d.say("/wipe lynne --reason T-9")).failed


async def test_destructive_commands_can_be_switched_off_for_a_tenant(audit: AuditLog) -> None:
    settings = ApprovalSettings.model_validate({"tenants": {"contoso": {"destructive": False}}})
    reply = await make_desk(audit, settings).say("/wipe lynne")
    assert reply.failed and "switched off for contoso" in text_of(reply)


async def test_destructive_actions_are_rate_limited_per_technician(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings(per_technician_per_hour=2))
    assert not (await d.say("/wipe lynne")).failed
    assert not (await d.say("/wipe admin")).failed
    third = await d.say("/wipe lynne")
    assert third.failed and "last hour" in text_of(third)
    assert not (await d.say("/wipe lynne", OTHER_TECH)).failed


async def test_one_persons_slack_and_teams_accounts_share_one_rate_limit(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings(per_technician_per_hour=2))
    in_teams = Actor("teams:tenant-1:aad-tess", "Tess Tech", "Tess@MSP.example")
    assert not (await d.say("/wipe lynne")).failed
    assert not (await d.say("/wipe admin", in_teams, channel="teams")).failed
    third = await d.say("/wipe lynne", in_teams, channel="teams")
    fourth = await d.say("/wipe lynne")
    assert third.failed and "You started 2 destructive actions in the last hour" in text_of(third)
    assert fourth.failed and "last hour" in text_of(fourth)


async def test_unknown_ids_and_other_peoples_tenants_look_the_same(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    await d.say("/wipe lynne")
    action_id = str((await d.action_row())["id"])
    unknown = await d.say("/approve nope", APPROVER)
    stranger = await d.say(f"/approve {action_id}", STRANGER)
    assert unknown.failed and stranger.failed
    assert "no pending action" in text_of(unknown) and "no pending action" in text_of(stranger)


async def test_pending_lists_what_waits(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings())
    await d.say("/wipe lynne")
    listing = await d.say("/pending", APPROVER)
    assert "lynne" in str(listing.blocks[0]) and "to confirm" in str(listing.blocks[0])


async def test_a_secret_that_cannot_reach_the_requester_is_shown_to_no_one(
    audit: AuditLog,
) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate({**FOUR_EYES, **ROUTE}))
    card = await d.say("/wipe lynne --password Hunter2-Correct-Horse", channel="console")
    await d.click(button(card, "confirm"), TECH)
    approved = await d.click(button(d.slack.posts[0][1], "approve"), APPROVER)
    assert WORLD["lynne"].wiped == 1
    assert approved.secret == "" and "shown to no one" in text_of(approved)
    assert "Hunter2" not in repr(approved) and d.slack.told == []


async def test_a_deny_is_audited_as_a_decision_not_a_failure(audit: AuditLog) -> None:
    d = make_desk(audit, ApprovalSettings.model_validate({**FOUR_EYES, **ROUTE}))
    card = await d.say("/wipe lynne")
    await d.click(button(card, "confirm"), TECH)
    approval = d.slack.posts[0][1]
    denied = await d.click(button(approval, "deny"), APPROVER, {"reason": "wrong person"})
    assert not denied.failed and "Denied by" in text_of(denied)
