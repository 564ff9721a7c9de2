"""The cards of a pending action, as Slack and Teams get them: valid, within limits, and with
buttons that carry only `a:<action id>:<verb>`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.approval_cards import approval_card, confirmation_card, deny_form, settled_card
from bot.store.pending import ActionState, PendingAction
from cards.adaptive import render_adaptive
from cards.blockkit import render_blockkit
from cards.reply import Reply
from tests.cards import adaptive_checks, slack_checks

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ACTION = PendingAction(
    id="Xy3_kQ9-aB7cD2eF",
    command="block",
    args={"user": "lynne", "tenant": None, "reason": "T-1"},
    tenant="contoso",
    requester="slack:T1:U1",
    requester_email="tess@msp.example",
    requester_name="Tess Tech",
    channel="slack",
    return_address={"user": "U1"},
    plan={
        "summary": "Block sign-in for Lynne Robbins (lynne.robbins@contoso.com) in Contoso",
        "effects": ["Block sign-in", "Revoke refresh tokens"],
        "target": "lynne.robbins@contoso.com",
        "notes": ["Access tokens stay valid up to about an hour."],
        "protection": {"reasons": ["Global Administrator (active)"]},
    },
    policy="admin",
    reason="T-1",
    state=ActionState.PENDING,
    created_at=NOW,
    expires_at=NOW + timedelta(minutes=15),
    updated_at=NOW,
)
DENIED = PendingAction(
    **{
        **ACTION.__dict__,
        "state": ActionState.DENIED,
        "decided_by": "ada@msp.example",
        "decided_via": "console",
        "decided_at": NOW,
        "decision_reason": "not a leaver",
    }
)
CARDS = {
    "confirmation": confirmation_card(ACTION, NOW, needs_approval=True),
    "approval": approval_card(ACTION, NOW, ("ada@msp.example",)),
    "deny form": deny_form(ACTION),
    "settled": settled_card(DENIED, NOW),
}
_BUTTON_IDS = re.compile(r'"(?:value|action|form)": "(a:[^"]*)"')


@pytest.mark.parametrize("name", CARDS)
def test_each_card_renders_for_slack_within_its_limits(name: str) -> None:
    render = slack_checks.checked(render_blockkit(CARDS[name], {"ada@msp.example": "U0ADA"}))
    ids = _BUTTON_IDS.findall(json.dumps([m.blocks for m in render.messages]))
    assert set(ids) == _buttons(CARDS[name])


@pytest.mark.parametrize("name", CARDS)
def test_each_card_is_a_valid_adaptive_card(name: str) -> None:
    render = adaptive_checks.checked(render_adaptive(CARDS[name]))
    ids = _BUTTON_IDS.findall(json.dumps(render.cards))
    assert set(ids) == _buttons(CARDS[name]) | _form(CARDS[name])


def test_the_cards_say_what_will_happen_and_who_decided() -> None:
    confirmation = _text(CARDS["confirmation"])
    assert "Block sign-in for Lynne Robbins" in confirmation
    assert "Protected account (Global Administrator (active))" in confirmation
    assert CARDS["confirmation"].private and not CARDS["approval"].private
    assert [b.label for b in CARDS["approval"].buttons] == ["Approve", "Deny"]
    assert CARDS["approval"].mentions == ("ada@msp.example",)
    settled = _text(CARDS["settled"])
    assert "Denied by ada@msp.example (from the console)" in settled
    assert "not a leaver" in settled and not CARDS["settled"].buttons


def _buttons(reply: Reply) -> set[str]:
    ids = {button.action_id for button in reply.buttons}
    assert all(re.fullmatch(r"a:Xy3_kQ9-aB7cD2eF:(confirm|cancel|approve|deny)", i) for i in ids)
    return ids


def _form(reply: Reply) -> set[str]:
    return {reply.form.form_id} if reply.form else set()


def _text(reply: Reply) -> str:
    return " ".join([reply.title, *(str(block) for block in reply.blocks)])
