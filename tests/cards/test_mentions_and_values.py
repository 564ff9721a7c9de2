"""Mentions (Slack ids, Teams UPN entities) and submitted form values, read back by input name."""

from __future__ import annotations

from typing import Any

from cards.adaptive import render_adaptive
from cards.adaptive_controls import submitted_values as adaptive_values
from cards.blockkit import mention_line, render_blockkit
from cards.blockkit_controls import modal_view
from cards.blockkit_controls import submitted_values as slack_values
from cards.reply import Form, Input, Reply, Text
from tests.cards.adaptive_checks import checked

APPROVAL = Reply(
    title="Approval needed",
    blocks=(Text("Block sign-in for Lynne Robbins"),),
    mentions=("Ada@msp.example", "bob@msp.example", "<!channel>"),
)


def test_slack_mentions_known_people_by_id_and_shows_the_rest_as_text() -> None:
    line = mention_line(APPROVAL.mentions, {"ada@msp.example": "U0ADA"})
    assert line == "<@U0ADA> bob@msp.example &lt;!channel&gt;"


def test_slack_puts_the_mentions_first_and_in_the_notification() -> None:
    rendered = render_blockkit(APPROVAL, {"ada@msp.example": "U0ADA"})
    message = rendered.messages[0]
    assert message.blocks[0]["text"]["text"].startswith("<@U0ADA>")
    assert message.blocks[1]["type"] == "header"
    assert message.text.startswith("<@U0ADA> ")


def test_an_id_that_is_not_slack_s_is_not_made_a_mention() -> None:
    assert mention_line(("ada@msp.example",), {"ada@msp.example": "U1> <!here"}) == (
        "ada@msp.example"
    )


def test_a_reply_without_mentions_renders_as_before() -> None:
    plain = Reply(title="Approval needed", blocks=(Text("x"),))
    assert render_blockkit(plain, {"x@y.z": "U1"}) == render_blockkit(plain)


def test_teams_mentions_by_upn_in_a_valid_card() -> None:
    card = checked(render_adaptive(APPROVAL)).cards[0]
    first = card["body"][0]["text"]
    assert first.startswith("<at>ada@msp.example</at> <at>bob@msp.example</at> ")
    assert "<at>" not in first.split("</at> ")[-1]  # "<!channel>" stays escaped text
    assert card["msteams"]["entities"] == [
        {
            "type": "mention",
            "text": "<at>ada@msp.example</at>",
            "mentioned": {"id": "ada@msp.example", "name": "ada@msp.example"},
        },
        {
            "type": "mention",
            "text": "<at>bob@msp.example</at>",
            "mentioned": {"id": "bob@msp.example", "name": "bob@msp.example"},
        },
    ]


def test_teams_cards_without_mentions_have_no_entities() -> None:
    card = checked(render_adaptive(Reply(title="x"))).cards[0]
    assert card["msteams"] == {"width": "Full"}


FORM = Form(
    "a:abc:deny",
    "Deny the action",
    "Deny",
    (Input("reason", "Reason", multiline=True), Input("when", "When", (("Now", "now"),))),
)


def test_a_slack_submission_is_read_back_by_the_names_the_modal_used() -> None:
    view = modal_view(FORM)
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block["element"]
        if element["type"] == "static_select":
            value = {"type": "static_select", "selected_option": element["options"][0]}
        else:
            value = {"type": "plain_text_input", "value": "Payroll week"}
        state[block["block_id"]] = {element["action_id"]: value}
    assert slack_values(state) == {"reason": "Payroll week", "when": "now"}


def test_a_teams_submission_drops_the_form_id_and_non_text() -> None:
    data = {"form": "a:abc:deny", "action": "x", "reason": "Payroll week", "n": 3, "e": ""}
    assert adaptive_values(data) == {"reason": "Payroll week"}
