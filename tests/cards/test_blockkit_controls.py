"""Buttons carry only an id; forms become modals; labels past Slack's limits are refused."""

from __future__ import annotations

from typing import Any

import pytest

from cards.blockkit import BUTTON_ACTION_PREFIX, FORM_CALLBACK_PREFIX, render_blockkit
from cards.reply import Button, Form, Input, Level, Notice, Reply
from tests.cards.slack_checks import all_blocks, checked


def buttons_of(reply: Reply) -> list[dict[str, Any]]:
    render = checked(render_blockkit(reply))
    return [
        e for block in all_blocks(render) if block["type"] == "actions" for e in block["elements"]
    ]


def test_button_value_is_only_the_id_and_action_id_is_prefixed() -> None:
    (button,) = buttons_of(Reply(buttons=(Button("Approve", "pa_Q3x", "primary"),)))

    assert button["value"] == "pa_Q3x"
    assert button["action_id"] == BUTTON_ACTION_PREFIX + "pa_Q3x"
    assert button["style"] == "primary"
    assert "confirm" not in button


def test_default_style_is_omitted() -> None:
    (button,) = buttons_of(Reply(buttons=(Button("Later", "fu_1"),)))

    assert "style" not in button


def test_danger_button_with_confirm_gets_a_danger_dialog() -> None:
    reply = Reply(buttons=(Button("Delete", "pa_9", "danger", "Delete Megan Bowen?"),))
    (button,) = buttons_of(reply)

    assert button["confirm"] == {
        "title": {"type": "plain_text", "text": "Delete"},
        "text": {"type": "mrkdwn", "text": "Delete Megan Bowen?", "verbatim": True},
        "confirm": {"type": "plain_text", "text": "Yes"},
        "deny": {"type": "plain_text", "text": "Cancel"},
        "style": "danger",
    }


def test_primary_button_confirm_dialog_has_no_danger_style() -> None:
    (button,) = buttons_of(Reply(buttons=(Button("Unblock", "pa_2", "primary", "Sure?"),)))

    assert "style" not in button["confirm"]


@pytest.mark.parametrize(
    "button",
    [
        Button("Go", "x" * 2001),
        Button("Go", "x" * (255 - len(BUTTON_ACTION_PREFIX) + 1)),
        Button("L" * 76, "pa_1"),
        Button("", "pa_1"),
        Button("Go", "pa_1", "loud"),
        Button("Go", "pa_1", "danger", "?" * 301),
    ],
    ids=["value", "action_id", "label", "empty-label", "style", "confirm"],
)
def test_button_past_a_slack_limit_is_a_programming_error(button: Button) -> None:
    with pytest.raises(ValueError):
        render_blockkit(Reply(buttons=(button,)))


def test_duplicate_button_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        render_blockkit(Reply(buttons=(Button("A", "pa_1"), Button("B", "pa_1"))))


def form(*inputs: Input, title: str = "Reset password") -> Form:
    return Form("fm_1", title, "Reset", inputs)


def test_form_becomes_a_modal_with_input_blocks_named_by_input() -> None:
    reply = Reply(
        form=form(
            Input("reason", "Reason", multiline=True, required=False, placeholder="Why"),
            Input("notify", "Notify", choices=(("Yes", "y"), ("No", "n")), initial="n"),
        )
    )
    modal = checked(render_blockkit(reply)).modal

    assert modal is not None
    assert modal["type"] == "modal"
    assert modal["callback_id"] == FORM_CALLBACK_PREFIX + "fm_1"
    assert modal["title"] == {"type": "plain_text", "text": "Reset password"}
    reason, notify = modal["blocks"]
    assert reason["block_id"] == "reason"
    assert reason["optional"] is True
    assert reason["element"]["multiline"] is True
    assert notify["element"]["type"] == "static_select"
    assert notify["element"]["initial_option"]["value"] == "n"
    assert "optional" not in notify


def test_long_form_title_is_shortened_in_the_title_bar_and_shown_whole_inside() -> None:
    title = "Offboard Megan Bowen (megan.bowen@contoso.com)"
    modal = checked(render_blockkit(Reply(form=form(Input("a", "A"), title=title)))).modal

    assert modal is not None
    assert len(modal["title"]["text"]) == 24
    assert modal["blocks"][0]["text"]["text"] == f"*{title}*"


def test_more_than_100_choices_are_grouped_keeping_every_choice() -> None:
    choices = tuple((f"Licence {i}", f"sku{i}") for i in range(250))
    modal = checked(
        render_blockkit(Reply(form=form(Input("sku", "Licence", choices=choices))))
    ).modal

    assert modal is not None
    groups = modal["blocks"][0]["element"]["option_groups"]
    assert [len(group["options"]) for group in groups] == [100, 100, 50]
    values = [option["value"] for group in groups for option in group["options"]]
    assert values == [value for _, value in choices]


@pytest.mark.parametrize(
    "bad",
    [
        form(),
        Form("fm_1", "T", "S" * 25, (Input("a", "A"),)),
        form(Input("a", "A", choices=(("X" * 76, "x"),))),
        form(Input("a", "A", choices=(("X", "x"),), initial="missing")),
        form(Input("a", "A", placeholder="p" * 151)),
    ],
    ids=["no-inputs", "submit-label", "choice-label", "initial", "placeholder"],
)
def test_form_past_a_slack_limit_is_a_programming_error(bad: Form) -> None:
    with pytest.raises(ValueError):
        render_blockkit(Reply(form=bad))


def test_error_reply_is_one_short_message() -> None:
    render = checked(render_blockkit(Reply.error("No tenant called 'fabrikam'. See /tenants.")))

    (message,) = render.messages
    assert message.text == "No tenant called 'fabrikam'. See /tenants."
    assert message.blocks == (
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":x: No tenant called 'fabrikam'. See /tenants.",
                "verbatim": True,
            },
        },
    )
    assert (render.files, render.secret, render.modal) == ((), None, None)


@pytest.mark.parametrize(
    ("level", "emoji"),
    [
        (Level.INFO, ":information_source:"),
        (Level.SUCCESS, ":white_check_mark:"),
        (Level.WARNING, ":warning:"),
        (Level.ERROR, ":x:"),
    ],
)
def test_notice_starts_with_the_emoji_of_its_level(level: Level, emoji: str) -> None:
    render = checked(render_blockkit(Reply(blocks=(Notice(level, "done"),))))

    assert render.messages[0].blocks[0]["text"]["text"] == f"{emoji} done"
