"""Buttons become Action.Execute carrying only an id; a confirmation is a ShowCard; a form is
inputs plus a submit carrying only the form id; the schema accepts only what Teams takes."""

from __future__ import annotations

from typing import Any

import pytest

from cards.adaptive import EXECUTE_VERB, FORM_VERB, render_adaptive
from cards.reply import Button, Form, Input, Reply
from tests.cards.adaptive_checks import checked, nodes, schema_errors, unescape
from tests.cards.replies import confirm_reply


def only_card(reply: Reply) -> dict[str, Any]:
    (card,) = checked(render_adaptive(reply)).cards
    return card


def form_reply(*inputs: Input) -> Reply:
    return Reply(form=Form("fm_1", "Offboard", "Go", inputs))


def test_a_button_is_an_execute_action_carrying_only_its_id() -> None:
    card = only_card(Reply(buttons=(Button("Add a note", "fu_3", "primary"),)))

    assert card["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Add a note",
            "verb": EXECUTE_VERB,
            "data": {"action": "fu_3"},
            "style": "positive",
            "fallback": "drop",
            "associatedInputs": "none",
        }
    ]


@pytest.mark.parametrize(("style", "expected"), [("default", None), ("danger", "destructive")])
def test_button_styles_take_adaptive_names(style: str, expected: str | None) -> None:
    (action,) = only_card(Reply(buttons=(Button("Go", "pa_1", style),)))["actions"]

    assert action.get("style") == expected


def test_a_confirmed_button_shows_the_warning_before_the_real_action() -> None:
    button = Button("Reset password", "pa_7", "danger", "Reset the password of Adele?")
    (action,) = only_card(Reply(buttons=(button,)))["actions"]

    assert action["type"] == "Action.ShowCard"
    assert (action["title"], action["style"]) == ("Reset password", "destructive")
    (warning,) = action["card"]["body"]
    assert unescape(warning["text"]) == "Reset the password of Adele?"
    (execute,) = action["card"]["actions"]
    assert execute["type"] == "Action.Execute"
    assert execute["data"] == {"action": "pa_7"}
    assert execute["style"] == "destructive"


def test_a_form_is_one_container_of_inputs_with_a_submit_carrying_only_the_form_id() -> None:
    card = only_card(confirm_reply())

    (container,) = nodes(card["body"], "Container")
    assert unescape(container["items"][0]["text"]) == (
        "Offboard Adele Vance (adele.vance@contoso.com)"
    )
    reason, mailbox, forward = container["items"][1:4]
    assert reason == {
        "type": "Input.Text",
        "id": "reason",
        "label": "Reason",
        "isMultiline": True,
        "placeholder": "Ticket number or why",
        "isRequired": True,
        "errorMessage": "Reason is required.",
    }
    assert mailbox["type"] == "Input.ChoiceSet"
    assert mailbox["choices"] == [
        {"title": "Convert to shared", "value": "shared"},
        {"title": "Keep", "value": "keep"},
    ]
    assert (mailbox["style"], mailbox["value"]) == ("compact", "shared")
    assert forward == {"type": "Input.Text", "id": "forward", "label": "Forward mail to"}
    (submit,) = container["items"][4]["actions"]
    assert submit["verb"] == FORM_VERB
    assert submit["data"] == {"form": "fm_offboard_adele"}
    assert submit["title"] == "Offboard"
    assert "associatedInputs" not in submit


def test_buttons_beside_a_form_never_send_or_wait_for_its_inputs() -> None:
    card = only_card(confirm_reply())

    executes = [a for a in nodes(card, "Action.Execute") if a["verb"] == EXECUTE_VERB]
    assert len(executes) == 3
    assert all(action["associatedInputs"] == "none" for action in executes)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(buttons=(Button("A", "x"), Button("B", "x"))), "unique"),
        (Reply(buttons=(Button("", "x"),)), "button label"),
        (Reply(buttons=(Button("A", ""),)), "button id"),
        (Reply(buttons=(Button("A", "x", "loud"),)), "style"),
        (Reply(buttons=(Button("A", "x", confirm="c" * 4000),)), "bytes"),
        (form_reply(Input("form", "Form")), "input names"),
        (form_reply(Input("a", "A"), Input("a", "B")), "input names"),
        (form_reply(Input("m", "M", choices=(("Keep", "keep"),), initial="drop")), "initial"),
        (form_reply(Input("m", "M", choices=(("", "keep"),))), "choice label"),
        (form_reply(), "no inputs"),
        (Reply(form=Form("fm_1", " ", "Go", (Input("a", "A"),))), "title"),
    ],
)
def test_controls_no_card_can_hold_are_programming_errors(reply: Reply, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_adaptive(reply)


def test_a_form_too_large_for_any_card_is_refused() -> None:
    choices = tuple((f"Choice {i}", f"value-{i}") for i in range(2000))
    with pytest.raises(ValueError, match="too large"):
        render_adaptive(form_reply(Input("pick", "Pick", choices=choices)))


def test_the_schema_rejects_a_string_fallback_and_an_unknown_property() -> None:
    card = only_card(Reply(buttons=(Button("Go", "pa_1"),)))

    card["actions"][0]["fallback"] = "Action.Submit"
    assert schema_errors(card)
    card["actions"][0]["fallback"] = "drop"
    card["body"] = [{"type": "TextBlock", "text": "x", "colour": "Good"}]
    assert schema_errors(card)
