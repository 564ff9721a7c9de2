"""Buttons and forms for Block Kit: `actions` blocks and `views.open` modals.

A button's `value` is only the Reply's id for it, and a modal's `callback_id` only the form
id: a click or a submission is looked up and authorised again, never trusted. Labels and ids
come from code, so one that passes a Slack limit is a programming error (ValueError).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cards.blockkit_text import (
    MAX_ACTION_ID,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_BUTTONS,
    MAX_CONFIRM_TEXT,
    escape,
    mrkdwn,
    plain,
)
from cards.reply import Button, Form, Input

__all__ = [
    "BUTTON_ACTION_PREFIX",
    "FORM_CALLBACK_PREFIX",
    "actions_blocks",
    "modal_view",
    "submitted_values",
]

BUTTON_ACTION_PREFIX = "deskhand:"
FORM_CALLBACK_PREFIX = "deskhand-form:"

MAX_MODAL_TITLE = 24
MAX_MODAL_BLOCKS = 100
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_PLACEHOLDER = 150
MAX_LABEL = 2000
MAX_BLOCK_ID = 255
MAX_INITIAL_VALUE = 3000
_STYLES = ("default", "primary", "danger")
_CLOSE_LABEL = "Cancel"

Block = dict[str, Any]


def actions_blocks(buttons: tuple[Button, ...]) -> list[Block]:
    """One `actions` block per 25 buttons, in order."""
    ids = [button.action_id for button in buttons]
    duplicates = sorted({action_id for action_id in ids if ids.count(action_id) > 1})
    if duplicates:
        raise ValueError(f"button ids must be unique in a reply: {duplicates}")
    elements = [_button(button) for button in buttons]
    return [
        {"type": "actions", "elements": elements[start : start + MAX_BUTTONS]}
        for start in range(0, len(elements), MAX_BUTTONS)
    ]


def _button(button: Button) -> dict[str, Any]:
    _check(button.label, MAX_BUTTON_TEXT, "button label", required=True)
    _check(button.action_id, MAX_BUTTON_VALUE, "button id", required=True)
    _check(BUTTON_ACTION_PREFIX + button.action_id, MAX_ACTION_ID, "button action_id")
    if button.style not in _STYLES:
        raise ValueError(f"button style must be one of {_STYLES}, not {button.style!r}")
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(button.label),
        "action_id": BUTTON_ACTION_PREFIX + button.action_id,
        "value": button.action_id,
    }
    if button.style != "default":
        element["style"] = button.style
    if button.confirm:
        element["confirm"] = _confirm(button)
    return element


def _confirm(button: Button) -> dict[str, Any]:
    _check(escape(button.confirm), MAX_CONFIRM_TEXT, "confirmation text")
    dialog: dict[str, Any] = {
        "title": plain(button.label),
        "text": mrkdwn(escape(button.confirm)),
        "confirm": plain("Yes"),
        "deny": plain("Cancel"),
    }
    if button.style == "danger":
        dialog["style"] = "danger"
    return dialog


def modal_view(form: Form) -> dict[str, Any]:
    """The `views.open` view for a form; a title over 24 characters is repeated in full
    at the top of the modal, since the modal's own title cannot hold it."""
    if not form.title.strip():
        raise ValueError(f"form {form.form_id!r} has no title")
    _check(form.submit_label, MAX_MODAL_TITLE, "form submit label", required=True)
    _check(FORM_CALLBACK_PREFIX + form.form_id, MAX_BLOCK_ID, "form callback_id")
    if not form.inputs:
        raise ValueError(f"form {form.form_id!r} has no inputs")
    blocks = [_input(field) for field in form.inputs]
    title = form.title
    if len(title) > MAX_MODAL_TITLE:
        title = title[: MAX_MODAL_TITLE - 1].rstrip() + "…"
        blocks.insert(0, {"type": "section", "text": mrkdwn(f"*{escape(form.title)}*")})
    if len(blocks) > MAX_MODAL_BLOCKS:
        raise ValueError(f"form {form.form_id!r} has more inputs than a modal holds")
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK_PREFIX + form.form_id,
        "title": plain(title),
        "submit": plain(form.submit_label),
        "close": plain(_CLOSE_LABEL),
        "blocks": blocks,
    }


def submitted_values(state: Mapping[str, Any]) -> dict[str, str]:
    """What a `view_submission` carries (`view.state.values`: block_id → action_id → element
    state) as `Input.name` → value, the inverse of `modal_view`: each input's block and
    element are both named for it. Empty inputs and anything not drawn by it are left out."""
    values: dict[str, str] = {}
    for block_id, elements in state.items():
        element = elements.get(block_id) if isinstance(elements, Mapping) else None
        if not isinstance(element, Mapping):
            continue
        selected = element.get("selected_option")
        value = selected.get("value") if isinstance(selected, Mapping) else element.get("value")
        if isinstance(value, str) and value:
            values[block_id] = value
    return values


def _input(field: Input) -> Block:
    _check(field.name, MAX_BLOCK_ID, "input name", required=True)
    _check(field.label, MAX_LABEL, "input label", required=True)
    _check(field.placeholder, MAX_PLACEHOLDER, "input placeholder")
    block: Block = {
        "type": "input",
        "block_id": field.name,
        "label": plain(field.label),
        "element": _select(field) if field.choices else _text_input(field),
    }
    if not field.required:
        block["optional"] = True
    return block


def _text_input(field: Input) -> dict[str, Any]:
    _check(field.initial, MAX_INITIAL_VALUE, "input initial value")
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": field.name}
    if field.multiline:
        element["multiline"] = True
    if field.placeholder:
        element["placeholder"] = plain(field.placeholder)
    if field.initial:
        element["initial_value"] = field.initial
    return element


def _select(field: Input) -> dict[str, Any]:
    """A pick-one list; past 100 choices, groups of 100 (Slack allows 100 groups)."""
    options = [_option(label, value) for label, value in field.choices]
    if len(options) > MAX_OPTIONS * MAX_OPTIONS:
        raise ValueError(f"input {field.name!r} has more choices than a select holds")
    element: dict[str, Any] = {"type": "static_select", "action_id": field.name}
    if field.placeholder:
        element["placeholder"] = plain(field.placeholder)
    if len(options) <= MAX_OPTIONS:
        element["options"] = options
    else:
        element["option_groups"] = list(_groups(options))
    if field.initial:
        element["initial_option"] = _initial_option(field, options)
    return element


def _initial_option(field: Input, options: list[dict[str, Any]]) -> dict[str, Any]:
    for option in options:
        if option["value"] == field.initial:
            return option
    raise ValueError(f"input {field.name!r}: the initial value is not one of its choices")


def _groups(options: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for start in range(0, len(options), MAX_OPTIONS):
        chunk = options[start : start + MAX_OPTIONS]
        label = f"{start + 1} to {start + len(chunk)}"
        yield {"label": plain(label), "options": chunk}


def _option(label: str, value: str) -> dict[str, Any]:
    _check(label, MAX_OPTION_TEXT, "choice label", required=True)
    _check(value, MAX_OPTION_VALUE, "choice value", required=True)
    return {"text": plain(label), "value": value}


def _check(text: str, limit: int, what: str, *, required: bool = False) -> None:
    # The message names the field, never its text: an initial value may be sensitive.
    if len(text) > limit:
        raise ValueError(f"{what} is {len(text)} characters; Slack allows {limit}")
    if required and not text:
        raise ValueError(f"{what} is empty; Slack requires one")
