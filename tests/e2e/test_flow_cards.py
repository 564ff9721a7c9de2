"""The cards a real approval flow produces, in Slack and Teams form.

Each card is taken from the flow itself (the reply Tess sees, what the desk posted to the
approvers and edited afterwards, the deny form), rendered with `render_blockkit` and
`render_adaptive`, and checked as every card test checks them: Slack's own models read the
payload back unchanged within Slack's limits; the Adaptive Card is valid against the 1.5
schema. A button or form carries nothing but `a:<action id>:<verb>`: no arguments, no tenant,
no target, which the desk reads from the store.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from cards.adaptive import render_adaptive
from cards.blockkit import render_blockkit
from cards.reply import Reply
from tests.cards import adaptive_checks, slack_checks
from tests.e2e.world import ADMIN, APPROVER, TECH, World, action_id, button, open_world, text_of

SLACK_IDS = {APPROVER.email: "U2", ADMIN.email: "U9"}


@pytest.fixture
async def flow(tmp_path: Path, sqlite_url: str) -> AsyncIterator[dict[str, Reply]]:
    """Two protected-account actions by Tess: the first denied by an admin, the second
    approved; every card the flow made, by name."""
    async with open_world(tmp_path / "home", sqlite_url) as world:
        yield await _cards(world)


async def _cards(world: World) -> dict[str, Reply]:
    line = "/block admin@contoso.com --reason T-1"
    confirmation = await world.ask(TECH, line)
    waiting = await world.click(TECH, button(confirmation, "confirm"))
    [(_, approval), *_] = world.slack.posts
    deny_form = await world.click(ADMIN, button(approval, "deny"))
    assert deny_form.form is not None
    denied = await world.click(ADMIN, deny_form.form.form_id, {"reason": "Not <b>today</b>"})

    second = await world.ask(TECH, line)
    await world.click(TECH, button(second, "confirm"))
    approved = await world.click(ADMIN, f"a:{action_id(second)}:approve")
    *_, (_, done) = world.slack.updates
    *_, told = world.told()
    return {
        "confirmation": confirmation,
        "waiting": waiting,
        "approval": approval,
        "deny form": deny_form,
        "denied": denied,
        "approved": approved,
        "done": done,
        "told": told,
    }


CARD_NAMES = ["confirmation", "waiting", "approval", "deny form", "denied", "approved", "done"]
_CARRIED = re.compile(r"a:([A-Za-z0-9_-]{16}):(confirm|cancel|approve|deny)")


async def test_the_flow_makes_the_cards_people_expect(flow: dict[str, Reply]) -> None:
    confirmation, approval = flow["confirmation"], flow["approval"]
    assert confirmation.private and not approval.private
    assert "Global Administrator (active)" in text_of(confirmation)
    assert [b.label for b in confirmation.buttons] == ["Confirm", "Cancel"]
    assert [b.label for b in approval.buttons] == ["Approve", "Deny"]
    assert approval.mentions == (APPROVER.email,)
    assert "Denied by ada@msp.example" in text_of(flow["denied"])
    assert "Reason: Not <b>today</b>" in text_of(flow["denied"])
    assert "Approved by ada@msp.example" in text_of(flow["done"])
    assert flow["told"].private and "Sign-in blocked" in flow["told"].title


@pytest.mark.parametrize("name", CARD_NAMES)
async def test_each_flow_card_renders_for_slack_and_carries_only_the_action(
    flow: dict[str, Reply], name: str
) -> None:
    reply = flow[name]
    render = slack_checks.checked(render_blockkit(reply, SLACK_IDS))
    carried = list(_slack_carried(render.messages, render.modal))
    assert carried == [*_expected(reply), *_form(reply)]
    if reply.mentions:
        assert "<@U2>" in str(render.messages[0].blocks)


@pytest.mark.parametrize("name", CARD_NAMES)
async def test_each_flow_card_is_a_valid_adaptive_card_carrying_only_the_action(
    flow: dict[str, Reply], name: str
) -> None:
    reply = flow[name]
    render = adaptive_checks.checked(render_adaptive(reply))
    carried = list(_adaptive_carried(render.cards))
    assert sorted(carried) == sorted([*_expected(reply), *_form(reply)])


def _expected(reply: Reply) -> list[str]:
    ids = [b.action_id for b in reply.buttons]
    for carried in ids:
        assert _CARRIED.fullmatch(carried), carried
    return ids


def _form(reply: Reply) -> list[str]:
    if reply.form is None:
        return []
    assert _CARRIED.fullmatch(reply.form.form_id)
    return [reply.form.form_id]


def _slack_carried(messages: Any, modal: dict[str, Any] | None) -> Iterator[str]:
    """What Slack will send back on a click: each button's value (its action_id is only the
    value prefixed), and the deny form's callback id."""
    for message in messages:
        for element in _walk(message.blocks):
            if element.get("type") == "button":
                assert element["action_id"] == f"deskhand:{element['value']}"
                yield element["value"]
    if modal is not None:
        yield modal["callback_id"].removeprefix("deskhand-form:")
        assert all(b["type"] == "input" for b in modal["blocks"])


def _adaptive_carried(cards: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Each Action.Execute's data: one key, the action or the form, and nothing else."""
    for element in _walk(cards):
        if element.get("type") == "Action.Execute":
            [(key, value)] = element["data"].items()
            assert key in ("action", "form")
            yield value


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _walk(item)
