"""The shape of Slack's requests, checked once the signature is: a body Deskhand's listeners
cannot read is refused with 400 before anything runs.

Slack's bodies are read the way slack-bolt reads them (`parse_body`): JSON for the Events API,
a form for slash commands, and a form with a `payload` of JSON for interactivity. Each kind
gets a model of the fields the listeners in `bot.channels.slack` read; anything else in the
body is left alone. A well-formed request of a type Deskhand does not handle passes, so Slack's
acks and retries keep working (Slack expects 200 for every event it sends).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from bot.channels.shape import Malformed, Shape, first_problem, json_type
from cards.blockkit import BUTTON_ACTION_PREFIX

__all__ = ["check_socket_payload", "read_slack_body"]

_ID = Field(min_length=1)


# A form's values are all text, so the only way a slash command can be malformed is a field
# the listener reads that is missing or empty. Checked by hand, not with a model: this runs in
# every ack, and a model's validation cost a quarter of the ack's CPU (bench.slack_ack).
_SLASH_COMMAND_FIELDS = ("command", "team_id", "channel_id", "user_id")


class _User(Shape):
    id: str = _ID
    team_id: str | None = None


class _Team(Shape):
    id: str = _ID


class _Channel(Shape):
    id: str = _ID


class _Container(Shape):
    type: str = _ID
    channel_id: str | None = None
    message_ts: str | None = None
    is_ephemeral: bool = False


class _Message(Shape):
    ts: str | None = None
    thread_ts: str | None = None


class _Action(Shape):
    action_id: str = _ID
    value: str | None = None


class _BlockActions(Shape):
    user: _User
    team: _Team | None = None
    channel: _Channel
    container: _Container
    message: _Message | None = None
    actions: list[_Action] = Field(min_length=1)
    response_url: str = ""
    trigger_id: str = ""


class _State(Shape):
    values: dict[str, dict[str, dict[str, Any]]]


class _View(Shape):
    callback_id: str = _ID
    private_metadata: str = ""
    state: _State


class _SubmittingUser(_User):
    team_id: str = _ID


class _ViewSubmission(Shape):
    user: _SubmittingUser
    view: _View


class _Envelope(Shape):
    type: str = _ID


class _UrlVerification(Shape):
    challenge: str = _ID


class _Event(Shape):
    type: str = _ID


class _EventCallback(Shape):
    team_id: str = _ID
    event_id: str = _ID
    event: _Event


class _AppMention(Shape):
    user: str = _ID
    channel: str = _ID
    text: str = ""
    ts: str = _ID
    thread_ts: str | None = None
    user_team: str | None = None


_INTERACTIONS: dict[str, type[BaseModel]] = {
    "block_actions": _BlockActions,
    "view_submission": _ViewSubmission,
}
_CALLBACKS: dict[str, type[BaseModel]] = {
    "url_verification": _UrlVerification,
    "event_callback": _EventCallback,
}
_EVENTS: dict[str, type[BaseModel]] = {"app_mention": _AppMention}
"""Events whose fields a listener reads; any other event type passes on its envelope alone."""


def read_slack_body(body: str, content_type: str | None) -> dict[str, Any] | Malformed:
    """The body as bolt reads it, when Deskhand's listeners can read it; else what is wrong.

    Read once, here, and handed to bolt parsed: that spares a second parse in every ack, and
    bolt's own parser takes any form holding the word "payload" for an interaction, so a slash
    command such as `/deskhand user payload@contoso.com` read as nothing.
    """
    if not body:
        return Malformed("request", "body", "empty")
    media = (content_type or "").split(";")[0].strip().lower()
    # bolt's own test: JSON when declared so or when it looks like an object.
    if media == "application/json" or body.startswith("{"):
        return _checked(_json_object("event", body), _check_event)
    form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
    if "payload" in form:
        return _checked(_json_object("interaction", form["payload"]), _check_interaction)
    if "ssl_check" in form:  # Slack's certificate probe; bolt answers it
        return form
    return _checked(form, _check_slash_command)


def _checked(
    data: dict[str, Any] | Malformed, check: Callable[[dict[str, Any]], Malformed | None]
) -> dict[str, Any] | Malformed:
    if isinstance(data, Malformed):
        return data
    problem = check(data)
    return data if problem is None else problem


def _json_object(kind: str, text: str) -> dict[str, Any] | Malformed:
    field = "payload" if kind == "interaction" else "body"
    try:
        data = json.loads(text)
    except ValueError:
        return Malformed(kind, field, "not JSON")
    if not isinstance(data, dict):
        return Malformed(kind, field, f"a JSON {json_type(data)}, not an object")
    return data


def _typed(
    kind: str, data: dict[str, Any], models: Mapping[str, type[BaseModel]]
) -> tuple[str, Malformed | None]:
    """The envelope, then the model for its `type` when Deskhand reads that type: the type
    ("" when the envelope itself is wrong) and the first problem."""
    problem = first_problem(kind, _Envelope, data)
    if problem is not None:
        return "", problem
    typed = str(data["type"])
    model = models.get(typed)
    return typed, None if model is None else first_problem(typed, model, data)


def _check_interaction(data: dict[str, Any]) -> Malformed | None:
    kind, problem = _typed("interaction", data, _INTERACTIONS)
    if problem is None and kind == "block_actions":
        return _check_deskhand_actions(data["actions"])
    return problem


def _check_deskhand_actions(actions: list[dict[str, Any]]) -> Malformed | None:
    """Deskhand's own buttons always carry the follow-up to run as their value."""
    for index, action in enumerate(actions):
        ours = str(action["action_id"]).startswith(BUTTON_ACTION_PREFIX)
        if ours and not isinstance(action.get("value"), str):
            return Malformed("block_actions", f"actions.{index}.value", "missing")
    return None


def _check_event(data: dict[str, Any]) -> Malformed | None:
    kind, problem = _typed("event", data, _CALLBACKS)
    if problem is not None or kind != "event_callback":
        return problem
    event = data["event"]
    event_model = _EVENTS.get(str(event["type"]))
    if event_model is None:
        return None
    found = first_problem(f"event_callback:{event['type']}", event_model, event)
    if found is None:
        return None
    return Malformed(found.kind, f"event.{found.field}", found.problem)


def check_socket_payload(envelope_type: str, payload: object) -> Malformed | None:
    """The same checks on what Slack sends over Socket Mode: parsed already, by envelope type
    (`slash_commands`, `interactive`, `events_api`); other envelopes pass."""
    checks: dict[str, tuple[str, Callable[[dict[str, Any]], Malformed | None]]] = {
        "slash_commands": ("slash_command", _check_slash_command),
        "interactive": ("interaction", _check_interaction),
        "events_api": ("event", _check_event),
    }
    if envelope_type not in checks:
        return None
    kind, check = checks[envelope_type]
    if not isinstance(payload, dict):
        return Malformed(kind, "payload", f"a JSON {json_type(payload)}, not an object")
    return check(payload)


def _check_slash_command(data: dict[str, Any]) -> Malformed | None:
    """A form over HTTP, or the same fields as JSON over Socket Mode (where any type can come)."""
    for field in _SLASH_COMMAND_FIELDS:
        if field not in data:
            return Malformed("slash_command", field, "missing")
        if not isinstance(data[field], str):
            return Malformed("slash_command", field, "string_type")
        if not data[field]:
            return Malformed("slash_command", field, "string_too_short")
    return None
