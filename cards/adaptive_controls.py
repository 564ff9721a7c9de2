"""Buttons and forms for Adaptive Cards: `Action.Execute` (Universal Actions) and inputs.

A button sends only its id (`data = {"action": id}`, verb EXECUTE_VERB) and no inputs; a
form's submit sends only the form id (`data = {"form": id}`, verb FORM_VERB) beside its
inputs, keyed by `Input.name`. Either is looked up and authorised again, never trusted.

Adaptive Cards have no confirmation dialog, so a button with `confirm` text is an
`Action.ShowCard` holding the warning and the real action: two clicks, the second one seen
after the warning. Every `Action.Execute` carries `fallback: "drop"`: a client that renders
a 1.5 card knows Action.Execute (1.4), and the schema admits no string but "drop" there.

Labels and ids come from code, so a missing or oversized one is a programming error
(ValueError).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cards.adaptive_text import Element, json_size, text_blocks
from cards.reply import Button, Form, Input

__all__ = [
    "EXECUTE_VERB",
    "FORM_VERB",
    "MAX_ACTIONS",
    "action_groups",
    "action_set",
    "form_container",
    "submitted_values",
]

EXECUTE_VERB = "deskhand"
FORM_VERB = "deskhand-form"
MAX_ACTIONS = 6
"""Teams shows at most six actions in a row; more go into further ActionSets."""
MAX_ACTION_BYTES = 3_000
_STYLES = {"default": "", "primary": "positive", "danger": "destructive"}
# Inputs are merged into `data`; an input by one of these names would overwrite the id.
_RESERVED_NAMES = frozenset({"action", "form"})


def action_groups(buttons: tuple[Button, ...]) -> list[list[Element]]:
    """The buttons as actions, six to a group, in order."""
    ids = [button.action_id for button in buttons]
    duplicates = sorted({action_id for action_id in ids if ids.count(action_id) > 1})
    if duplicates:
        raise ValueError(f"button ids must be unique in a reply: {duplicates}")
    actions = [_action(button) for button in buttons]
    return [actions[start : start + MAX_ACTIONS] for start in range(0, len(actions), MAX_ACTIONS)]


def action_set(actions: list[Element]) -> Element:
    return {"type": "ActionSet", "actions": actions}


def _action(button: Button) -> Element:
    _require(button.label, "button label")
    _require(button.action_id, "button id")
    if button.style not in _STYLES:
        raise ValueError(f"button style must be one of {tuple(_STYLES)}, not {button.style!r}")
    execute = _execute(button.label, EXECUTE_VERB, {"action": button.action_id}, button.style)
    # A plain button sends no inputs: a form's required fields must not block it.
    execute["associatedInputs"] = "none"
    action = _confirming(button, execute) if button.confirm else execute
    if json_size(action) > MAX_ACTION_BYTES:
        raise ValueError(f"button {button.action_id!r} is over {MAX_ACTION_BYTES} bytes")
    return action


def _confirming(button: Button, execute: Element) -> Element:
    card = {"type": "AdaptiveCard", "body": text_blocks(button.confirm), "actions": [execute]}
    return _styled({"type": "Action.ShowCard", "title": button.label, "card": card}, button.style)


def _execute(title: str, verb: str, data: dict[str, str], style: str) -> Element:
    action = {"type": "Action.Execute", "title": title, "verb": verb, "data": data}
    return {**_styled(action, style), "fallback": "drop"}


def _styled(action: Element, style: str) -> Element:
    return {**action, "style": _STYLES[style]} if _STYLES[style] else action


def form_container(form: Form) -> Element:
    """The form as one Container (title, inputs, submit), so it never splits across cards."""
    _require(form.title.strip(), f"form {form.form_id!r} title")
    _require(form.form_id, "form id")
    _require(form.submit_label, f"form {form.form_id!r} submit label")
    if not form.inputs:
        raise ValueError(f"form {form.form_id!r} has no inputs")
    names = [field.name for field in form.inputs]
    if len(set(names)) != len(names) or _RESERVED_NAMES.intersection(names):
        raise ValueError(
            f"form {form.form_id!r}: input names must be unique and not {sorted(_RESERVED_NAMES)}"
        )
    submit = _execute(form.submit_label, FORM_VERB, {"form": form.form_id}, "primary")
    items = [
        *text_blocks(form.title.strip(), weight="Bolder"),
        *map(_input, form.inputs),
        action_set([submit]),
    ]
    return {"type": "Container", "items": items}


def submitted_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The inputs an `Action.Execute` carried (`value.action.data`, where Teams merges them by
    `Input.name` beside the ids): every text value but the button or form id itself."""
    return {
        name: value
        for name, value in data.items()
        if name not in _RESERVED_NAMES and isinstance(value, str) and value
    }


def _input(field: Input) -> Element:
    _require(field.name, "input name")
    _require(field.label, "input label")
    element: dict[str, Any] = {
        "type": "Input.ChoiceSet" if field.choices else "Input.Text",
        "id": field.name,
        "label": field.label,
    }
    element.update(_choices(field) if field.choices else _text(field))
    if field.placeholder:
        element["placeholder"] = field.placeholder
    if field.initial:
        element["value"] = field.initial
    if field.required:
        element["isRequired"] = True
        element["errorMessage"] = f"{field.label} is required."
    return element


def _text(field: Input) -> dict[str, Any]:
    return {"isMultiline": True} if field.multiline else {}


def _choices(field: Input) -> dict[str, Any]:
    values = [value for _, value in field.choices]
    if field.initial and field.initial not in values:
        raise ValueError(f"input {field.name!r}: the initial value is not one of its choices")
    for label, value in field.choices:
        _require(label, f"input {field.name!r} choice label")
        _require(value, f"input {field.name!r} choice value")
    choices = [{"title": label, "value": value} for label, value in field.choices]
    return {"choices": choices, "style": "compact"}


def _require(text: str, what: str) -> None:
    # The message names the field, never its text: an initial value may be sensitive.
    if not text:
        raise ValueError(f"{what} is empty; Teams requires one")
