"""Signed but malformed Slack requests: 400, one log line naming the field, nothing run or kept.

Each variant starts from a payload copied from Slack's documentation (`tests/fixtures/slack`)
and breaks one thing a listener reads. The table runs against the running server; the
generated variants (every field a listener reads, dropped or of the wrong type) run against
the shape check itself, which the server applies before bolt sees the request.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from structlog.testing import capture_logs

from bot.channels.shape import Malformed
from bot.channels.slack_shape import read_slack_body
from bot.channels.slack_socket import CheckedSocketModeHandler
from tests.slack.conftest import SlackBot, documented
from tests.store_rows import rows_stored

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
Payload = dict[str, Any]


def form(fields: Payload) -> tuple[str, str]:
    return urllib.parse.urlencode(fields), FORM


def interaction(payload: object) -> tuple[str, str]:
    return form({"payload": json.dumps(payload)})


def event(payload: object) -> tuple[str, str]:
    return json.dumps(payload), JSON


def command(change: Callable[[Payload], object]) -> tuple[str, str]:
    payload = documented("slash_command")
    change(payload)
    return form(payload)


def click(change: Callable[[Payload], object]) -> tuple[str, str]:
    """A click on one of Deskhand's buttons (its action id), broken by `change`."""
    payload = documented("block_actions")
    payload["actions"][0]["action_id"] = "deskhand:1"
    change(payload)
    return interaction(payload)


def submission(change: Callable[[Payload], object]) -> tuple[str, str]:
    payload = documented("view_submission")
    payload["view"]["callback_id"] = "deskhand-form:f1"
    change(payload)
    return interaction(payload)


def mention(change: Callable[[Payload], object]) -> tuple[str, str]:
    payload = documented("app_mention")
    change(payload)
    return event(payload)


# (name, (body, content type), the field the log line names)
MALFORMED: list[tuple[str, tuple[str, str], str]] = [
    *[
        (f"slash command without {name}", command(lambda p, n=name: p.pop(n)), name)
        for name in ("command", "team_id", "channel_id", "user_id")
    ],
    (
        "slash command with an empty channel_id",
        command(lambda p: p.update(channel_id="")),
        "channel_id",
    ),
    ("interactivity payload of bad JSON", form({"payload": "{not json"}), "payload"),
    ("interactivity payload of a JSON list", interaction([documented("block_actions")]), "payload"),
    ("interactivity payload of a JSON string", interaction("block_actions"), "payload"),
    ("interactivity payload without type", click(lambda p: p.pop("type")), "type"),
    ("interactivity payload with a numeric type", click(lambda p: p.update(type=7)), "type"),
    ("block_actions with actions a string", click(lambda p: p.update(actions="x")), "actions"),
    ("block_actions with no actions", click(lambda p: p.update(actions=[])), "actions"),
    (
        "block_actions with an action a string",
        click(lambda p: p.update(actions=["x"])),
        "actions.0",
    ),
    (
        "block_actions action without action_id",
        click(lambda p: p["actions"][0].pop("action_id")),
        "actions.0.action_id",
    ),
    (
        "block_actions action without value",
        click(lambda p: p["actions"][0].pop("value")),
        "actions.0.value",
    ),
    (
        "block_actions action with a numeric value",
        click(lambda p: p["actions"][0].update(value=1)),
        "actions.0.value",
    ),
    ("block_actions without user", click(lambda p: p.pop("user")), "user"),
    ("block_actions with user a string", click(lambda p: p.update(user="U0TESS")), "user"),
    ("block_actions without channel", click(lambda p: p.pop("channel")), "channel"),
    ("block_actions without container", click(lambda p: p.pop("container")), "container"),
    ("block_actions with message a list", click(lambda p: p.update(message=[])), "message"),
    ("minimal view_submission", interaction({"type": "view_submission"}), "user"),
    ("view_submission without view", submission(lambda p: p.pop("view")), "view"),
    ("view_submission without state", submission(lambda p: p["view"].pop("state")), "view.state"),
    (
        "view_submission with values a list",
        submission(lambda p: p["view"]["state"].update(values=[])),
        "view.state.values",
    ),
    (
        "view_submission without the user's team",
        submission(lambda p: p["user"].pop("team_id")),
        "user.team_id",
    ),
    ("events body of bad JSON", ("{not json", JSON), "body"),
    ("events body of a JSON list", event([documented("app_mention")]), "body"),
    ("events body without type", mention(lambda p: p.pop("type")), "type"),
    ("event_callback without event", mention(lambda p: p.pop("event")), "event"),
    (
        "event_callback with event a string",
        mention(lambda p: p.update(event="app_mention")),
        "event",
    ),
    (
        "event_callback whose event has no type",
        mention(lambda p: p["event"].pop("type")),
        "event.type",
    ),
    ("event_callback without event_id", mention(lambda p: p.pop("event_id")), "event_id"),
    ("app_mention without user", mention(lambda p: p["event"].pop("user")), "event.user"),
    ("app_mention without channel", mention(lambda p: p["event"].pop("channel")), "event.channel"),
    (
        "app_mention with text a list",
        mention(lambda p: p["event"].update(text=["hi"])),
        "event.text",
    ),
    (
        "url_verification without challenge",
        event({"type": "url_verification", "token": "t"}),
        "challenge",
    ),
]


async def test_every_malformed_request_is_answered_400_and_runs_nothing(
    slack_bot: SlackBot,
) -> None:
    before = await rows_stored(slack_bot.runtime.store)
    started = len(slack_bot.slack.calls)  # auth.test, at start-up
    answered: dict[str, tuple[int, str]] = {}
    with capture_logs() as logs:
        for name, (body, content_type), _ in MALFORMED:
            response = await slack_bot.send(body, content_type)
            said = [e for e in logs if e["event"] == "slack.malformed_request"]
            answered[name] = (response.status_code, str(said[-1]["field"]) if said else "")
            logs.clear()
    await slack_bot.server.work.drain(5)
    assert answered == {name: (400, field) for name, _, field in MALFORMED}
    assert slack_bot.slack.calls[started:] == []  # nothing answered, nobody looked up
    assert await rows_stored(slack_bot.runtime.store) == before


async def test_the_log_line_names_the_request_kind_and_never_the_body(slack_bot: SlackBot) -> None:
    body, content_type = click(lambda p: p["actions"][0].pop("value"))
    with capture_logs() as logs:
        response = await slack_bot.send(body, content_type)
    assert response.status_code == 400
    assert response.json() == {"error": "malformed block_actions: actions.0.value missing"}
    [line] = [e for e in logs if e["event"] == "slack.malformed_request"]
    assert line["kind"] == "block_actions" and line["log_level"] == "warning"
    assert "U0TESS" not in json.dumps(line) and "hooks.slack.com" not in json.dumps(line)


async def test_well_formed_events_deskhand_does_not_handle_are_still_acked(
    slack_bot: SlackBot,
) -> None:
    other = documented("app_mention")
    other["event"] = {"type": "reaction_added", "user": "U0TESS", "reaction": "thumbsup"}
    challenge = {
        "type": "url_verification",
        "token": "t",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9",
    }
    acked = await slack_bot.send(*event(other))
    verified = await slack_bot.send(*event(challenge))
    assert acked.status_code == 200
    assert (verified.status_code, verified.json()) == (200, {"challenge": challenge["challenge"]})


async def test_a_listener_bug_answers_500_with_the_reference_it_logs(
    slack_bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.channels.slack.plain_text", broken)
    with capture_logs() as logs:
        response = await slack_bot.command("user adele")
    assert response.status_code == 500
    [line] = [e for e in logs if e["event"] == "slack.listener_crashed"]
    assert response.json()["reference"] == line["reference"]


async def test_a_bug_before_bolt_answers_500_with_the_reference_it_logs(
    slack_bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(body: str, content_type: str | None) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.channels.slack.read_slack_body", broken)
    with capture_logs() as logs:
        response = await slack_bot.command("user adele")
    assert response.status_code == 500
    [line] = [e for e in logs if e["event"] == "server.request_crashed"]
    assert response.json()["reference"] == line["reference"]
    assert line["path"] == "/slack/events"


# Every field a listener reads, by where it sits in the documented payload.
READ: dict[str, tuple[Callable[[Callable[[Payload], object]], tuple[str, str]], list[str]]] = {
    "slash_command": (command, ["command", "team_id", "channel_id", "user_id"]),
    "block_actions": (
        click,
        [
            "type",
            "user",
            "user.id",
            "channel",
            "channel.id",
            "container",
            "container.type",
            "actions",
            "actions.0",
            "actions.0.action_id",
            "actions.0.value",
        ],
    ),
    "view_submission": (
        submission,
        [
            "type",
            "user",
            "user.id",
            "user.team_id",
            "view",
            "view.callback_id",
            "view.state",
            "view.state.values",
        ],
    ),
    "app_mention": (
        mention,
        [
            "type",
            "team_id",
            "event_id",
            "event",
            "event.type",
            "event.user",
            "event.channel",
            "event.ts",
        ],
    ),
}
WRONG_VALUES: list[object] = [None, 0, True, [], {}]


class _SameType(Exception):
    """The replacement is of the field's own type: not a malformed variant."""


def _broken(path: str, value: object) -> Callable[[Payload], object]:
    """Replace (or, for `...`, drop) the field at a dotted path."""

    def change(payload: Payload) -> None:
        *parents, last = path.split(".")
        here: Any = payload
        for part in parents:
            here = here[int(part)] if isinstance(here, list) else here[part]
        key: Any = int(last) if isinstance(here, list) else last
        if type(here[key]) is type(value):
            raise _SameType
        if value is ...:
            here.pop(key)
        else:
            here[key] = value

    return change


def problem_in(body: str, content_type: str) -> Malformed | None:
    read = read_slack_body(body, content_type)
    return read if isinstance(read, Malformed) else None


def generated() -> Iterator[tuple[str, str, str, str]]:
    for kind, (build, paths) in READ.items():
        for path in paths:
            # A form carries text only: there the wrong value is an empty one.
            wrong = [""] if kind == "slash_command" else WRONG_VALUES
            for value in [..., *wrong]:
                try:
                    body, content_type = build(_broken(path, value))
                except _SameType:
                    continue
                yield f"{kind} {path}={value!r}", body, content_type, path


def test_every_field_a_listener_reads_dropped_or_mistyped_is_malformed() -> None:
    missed = []
    variants = list(generated())
    assert len(variants) > 100
    for name, body, content_type, path in variants:
        malformed = problem_in(body, content_type)
        # A wrong container names the field itself; a wrong field inside it may name a parent.
        if malformed is None or not (
            path.startswith(malformed.field) or malformed.field.startswith(path)
        ):
            missed.append((name, malformed))
    assert missed == []


def test_the_documented_payloads_pass_the_check() -> None:
    for body, content_type in [
        command(lambda p: None),
        click(lambda p: None),
        submission(lambda p: None),
        mention(lambda p: None),
        form({"ssl_check": "1", "token": "t"}),
    ]:
        assert problem_in(body, content_type) is None


@dataclass
class _SocketClient:
    """What bolt's Socket Mode handler uses of the WebSocket client: acks, and a logger."""

    acked: list[str] = field(default_factory=list)
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("tests.socket"))

    async def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.acked.append(response.envelope_id)


def _without(payload: Payload, path: str) -> Payload:
    _broken(path, ...)(payload)
    return payload


SOCKET_MALFORMED: list[tuple[str, object, str]] = [
    ("slash_commands", _without(documented("slash_command"), "channel_id"), "channel_id"),
    # The Socket Mode client turns a payload that is a string into {"text": ...}.
    ("interactive", "block_actions", "type"),
    ("interactive", {**documented("block_actions"), "actions": "x"}, "actions"),
    ("interactive", {"type": "view_submission"}, "user"),
    ("events_api", _without(documented("app_mention"), "event"), "event"),
    ("events_api", _without(documented("app_mention"), "event.user"), "event.user"),
]


async def test_socket_mode_requests_get_the_same_check_and_malformed_ones_run_nothing(
    slack_bot: SlackBot,
) -> None:
    assert slack_bot.server.slack is not None
    handler = CheckedSocketModeHandler(slack_bot.server.slack.app, "xapp-1-A0-1-socket")
    try:
        await _socket_requests_checked(slack_bot, handler)
    finally:
        await handler.close_async()


async def _socket_requests_checked(slack_bot: SlackBot, handler: CheckedSocketModeHandler) -> None:
    client = _SocketClient()
    started = len(slack_bot.slack.calls)
    with capture_logs() as logs:
        for number, (kind, payload, _) in enumerate(SOCKET_MALFORMED):
            request = SocketModeRequest(type=kind, envelope_id=f"bad-{number}", payload=payload)  # type: ignore[arg-type]
            await handler.handle(client, request)  # type: ignore[arg-type]
    said = [e["field"] for e in logs if e["event"] == "slack.malformed_request"]
    assert said == [field for _, _, field in SOCKET_MALFORMED]
    assert client.acked == [] and slack_bot.server.work.running == 0  # nothing queued
    assert slack_bot.slack.calls[started:] == []
    payload = documented("app_mention")
    payload["event"]["text"] = "<@UBOT> user adele.vance@contoso.com"
    mention = SocketModeRequest(type="events_api", envelope_id="good", payload=payload)
    await handler.handle(client, mention)  # type: ignore[arg-type]
    assert client.acked == ["good"]  # a well-formed request is acked and answered
    await slack_bot.slack.wait_for("chat.postMessage")
