"""Four-eyes approvals end to end: the card goes to the approvers' Slack channel and Teams
conversation, someone else decides, the action runs once and the requester hears the outcome;
protected targets need an admin; denied, expired and cancelled actions change nothing; double
clicks and replayed payloads run once."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.pending import ActionState
from cards.reply import Level
from commands.kit.context import Actor
from tests.e2e.world import (
    ADMIN,
    APPROVER,
    APPROVERS_CHANNEL,
    APPROVERS_CONVERSATION,
    OPERATOR,
    TECH,
    World,
    action_id,
    button,
    text_of,
)

LYNNE = "lynne.robbins@contoso.com"
OTHER_TECH = Actor("slack:T1:U3", "Theo Tech", "theo@msp.example")
"""A technician only: the sandbox lets any verified chat user be one."""


async def _awaiting(world: World, line: str) -> str:
    """`line` asked by Tess and confirmed by her: the action now waits for an approver."""
    card = await world.ask(TECH, line)
    assert "approv" in text_of(card).lower(), text_of(card)
    waiting = await world.click(TECH, button(card, "confirm"))
    assert "waiting for approval" in waiting.title, text_of(waiting)
    assert "Sent to the approvers of contoso" in text_of(waiting)
    return action_id(card)


async def test_an_approved_block_runs_once_and_the_requester_is_told(four_eyes: World) -> None:
    world = four_eyes
    ident = await _awaiting(world, f"/block {LYNNE} --reason T-1")

    [(slack_to, slack_card), (teams_to, teams_card)] = world.approval_posts()
    assert (slack_to, teams_to) == (APPROVERS_CHANNEL, APPROVERS_CONVERSATION)
    assert slack_card.mentions == (APPROVER.email,) and not slack_card.private
    assert teams_card == slack_card  # one card, rendered by each channel
    assert {b.action_id for b in slack_card.buttons} == {f"a:{ident}:approve", f"a:{ident}:deny"}
    assert "Block sign-in for Lynne Robbins" in text_of(slack_card)
    assert world.writes() == [] and await world.state(ident) is ActionState.AWAITING

    decided = await world.click(APPROVER, button(slack_card, "approve"))

    assert [(r.method, r.body) for r in world.writes()] == [
        ("PATCH", {"accountEnabled": False}),
        ("POST", None),
    ]
    assert not world.user(LYNNE).account_enabled
    assert "Done." in text_of(decided) and decided.secret == ""
    [told] = world.told()
    assert told.private and told.level is Level.SUCCESS
    assert world.slack.told[0][0] == {"user": "U1", "channel": "D0TESS"}
    for notifier in (world.slack, world.teams):
        *_, (_, last) = notifier.updates
        assert "Done." in text_of(last) and last.buttons == ()
        assert APPROVER.email in text_of(last)

    rows = await world.audit("block")
    assert [r.outcome for r in rows] == ["proposed", "confirmed", "approved", "done"]
    assert [r.actor for r in rows] == [TECH.id, TECH.id, APPROVER.id, APPROVER.id]
    assert {r.reason for r in rows} == {"T-1"}
    assert [r.approval for r in rows[2:]] == [APPROVER.email, APPROVER.email]
    assert len(rows[-1].graph_request_ids) == 2


async def test_a_policy_reason_is_required_before_anything_is_stored(four_eyes: World) -> None:
    refused = await four_eyes.ask(TECH, f"/block {LYNNE}")

    assert refused.failed and '--reason "T-1234 leaver"' in text_of(refused)
    assert refused.buttons == () and await four_eyes.audit("block") == []


@pytest.mark.parametrize(
    ("who", "why"),
    [
        (TECH, "someone else must approve"),
        (OTHER_TECH, "Only an approver or admin of contoso"),
    ],
    ids=["requester", "technician"],
)
async def test_only_someone_else_with_the_role_may_approve(
    four_eyes: World, who: Actor, why: str
) -> None:
    ident = await _awaiting(four_eyes, f"/block {LYNNE} --reason T-1")
    refused = await four_eyes.click(who, f"a:{ident}:approve")

    assert refused.failed and why in text_of(refused)
    assert four_eyes.writes() == [] and await four_eyes.state(ident) is ActionState.AWAITING


async def test_console_approvals_are_refused_where_the_policy_says_so(four_eyes: World) -> None:
    ident = await _awaiting(four_eyes, f"/reset-password {LYNNE}")
    refused = await four_eyes.ask(OPERATOR, f"/approve {ident}")

    assert refused.failed and "Approvals typed in the console are not accepted" in (
        text_of(refused)
    )
    assert four_eyes.writes() == []
    approved = await four_eyes.click(APPROVER, f"a:{ident}:approve")
    assert approved.secret == "" and "Done." in text_of(approved)
    [told] = four_eyes.told()
    assert told.private and len(told.secret) == 20  # the password went to Tess alone


@pytest.mark.parametrize(
    ("upn", "reason"),
    [
        ("admin@contoso.com", "Global Administrator (active)"),
        ("breakglass@contoso.com", "Global Administrator (active)"),
        ("allan.deyoung@contoso.com", "Privileged Role Administrator (eligible through PIM)"),
        ("megan.bowen@contoso.com", "configured break-glass account"),
    ],
)
async def test_a_protected_target_needs_an_admins_approval(
    world: World, upn: str, reason: str
) -> None:
    """Revoking sessions is confirmed by the requester alone, except for protected accounts."""
    card = await world.ask(TECH, f"/revoke-sessions {upn}")
    assert reason in text_of(card)
    ident = action_id(card)
    await world.click(TECH, button(card, "confirm"))
    [(_, approval)] = world.slack.posts[:1]
    assert reason in text_of(approval)

    refused = await world.click(APPROVER, f"a:{ident}:approve")
    assert refused.failed and "the target is a protected account" in text_of(refused)
    assert world.writes() == []

    decided = await world.click(ADMIN, f"a:{ident}:approve")
    assert "Done." in text_of(decided)
    [revoke] = world.writes()
    assert (revoke.method, revoke.path) == (
        "POST",
        f"/v1.0/users/{world.user(upn).id}/revokeSignInSessions",
    )
    *_, done = await world.audit("revoke-sessions")
    assert (done.outcome, done.approval, done.actor) == ("done", ADMIN.email, ADMIN.id)


async def test_a_denied_action_asks_why_then_changes_nothing(four_eyes: World) -> None:
    world = four_eyes
    ident = await _awaiting(world, f"/block {LYNNE} --reason T-1")

    form = await world.click(APPROVER, f"a:{ident}:deny")
    assert form.form is not None and form.form.form_id == f"a:{ident}:deny"
    assert [i.name for i in form.form.inputs] == ["reason"]
    again = await world.click(APPROVER, form.form.form_id, {"reason": "  "})
    assert again.form is not None  # an empty reason is asked for again
    denied = await world.click(APPROVER, form.form.form_id, {"reason": "Not a leaver"})

    assert "Denied by abe@msp.example" in text_of(denied) and "Not a leaver" in text_of(denied)
    assert world.writes() == [] and world.user(LYNNE).account_enabled
    assert await world.state(ident) is ActionState.DENIED
    [told] = world.told()
    assert "Not a leaver" in text_of(told)
    assert all("Denied" in text_of(card) for _, card in world.slack.updates[-1:])
    late = await world.click(APPROVER, f"a:{ident}:approve")
    assert "denied" in text_of(late).lower() and world.writes() == []
    *_, row = await world.audit("block")
    assert (row.outcome, row.actor, row.approval) == ("denied", APPROVER.id, APPROVER.email)
    assert "Not a leaver" in row.detail


async def test_an_unconfirmed_action_expires_after_15_minutes(world: World) -> None:
    card = await world.ask(TECH, f"/block {LYNNE}")
    world.clock.advance(minutes=15, seconds=1)
    late = await world.click(TECH, button(card, "confirm"))

    assert "expired" in text_of(late).lower()
    assert world.writes() == [] and await world.state(action_id(card)) is ActionState.EXPIRED
    assert [r.outcome for r in await world.audit("block")] == ["proposed", "expired"]


async def test_an_undecided_approval_is_reminded_then_expires(four_eyes: World) -> None:
    world = four_eyes
    ident = await _awaiting(world, f"/block {LYNNE} --reason T-1")
    desk = world.runtime.router.desk
    assert desk is not None

    world.clock.advance(hours=23, minutes=30)
    assert await desk.sweep() == 1
    reminders = [card for _, card in world.approval_posts() if card.title.startswith("Reminder")]
    assert len(reminders) == 2 and await world.state(ident) is ActionState.AWAITING
    world.clock.advance(minutes=31)
    assert await desk.sweep() == 1
    assert await desk.sweep() == 0  # each replica may sweep; an action expires once

    assert await world.state(ident) is ActionState.EXPIRED
    [told] = world.told()
    assert "Expired before anyone decided" in text_of(told)
    late = await world.click(APPROVER, f"a:{ident}:approve")
    assert "expired" in text_of(late).lower() and world.writes() == []
    rows = await world.audit("block")
    assert [r.outcome for r in rows] == ["proposed", "confirmed", "expired"]
    assert rows[-1].actor == "deskhand"


@pytest.mark.parametrize("when", ["before confirming", "while awaiting approval"])
async def test_a_cancelled_action_never_runs(four_eyes: World, when: str) -> None:
    world = four_eyes
    if when == "before confirming":
        ident = action_id(await world.ask(TECH, f"/block {LYNNE} --reason T-1"))
    else:
        ident = await _awaiting(world, f"/block {LYNNE} --reason T-1")
    cancelled = await world.click(TECH, f"a:{ident}:cancel")

    assert "Cancelled by tess@msp.example" in text_of(cancelled)
    for verb, who in (("confirm", TECH), ("approve", APPROVER)):
        late = await world.click(who, f"a:{ident}:{verb}")
        assert "cancelled" in text_of(late).lower()
    assert world.writes() == [] and await world.state(ident) is ActionState.CANCELLED
    assert (await world.audit("block"))[-1].outcome == "cancelled"
    if when == "while awaiting approval":
        assert all("Cancelled" in text_of(card) for _, card in world.slack.updates[-1:])


async def test_a_double_click_and_a_replayed_confirmation_run_once(world: World) -> None:
    card = await world.ask(TECH, f"/block {LYNNE}")
    confirm = button(card, "confirm")
    first, second = await asyncio.gather(world.click(TECH, confirm), world.click(TECH, confirm))
    replayed = await world.click(TECH, confirm)

    outcomes = sorted([first.level, second.level])
    assert Level.SUCCESS in outcomes, [text_of(first), text_of(second)]
    assert len([r for r in world.writes() if r.method == "PATCH"]) == 1
    assert "already run" in text_of(replayed)
    assert [r.outcome for r in await world.audit("block")] == ["proposed", "done"]


async def test_two_approvers_clicking_at_once_run_it_once(four_eyes: World) -> None:
    world = four_eyes
    ident = await _awaiting(world, f"/block {LYNNE} --reason T-1")
    approve = f"a:{ident}:approve"
    answers = await asyncio.gather(
        world.click(APPROVER, approve), world.click(ADMIN, approve), world.click(APPROVER, approve)
    )

    assert sum("Done." in text_of(a) for a in answers) == 1, [text_of(a) for a in answers]
    assert len([r for r in world.writes() if r.method == "PATCH"]) == 1
    rows = await world.audit("block")
    assert [r.outcome for r in rows].count("done") == 1
    assert [r.outcome for r in rows].count("approved") == 1
    assert len(world.told()) == 1
