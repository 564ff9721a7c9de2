"""Malformed Teams activities with a valid token: 400, one log line naming the field, nothing
run or kept. Each variant starts from an activity copied from Microsoft's documentation
(`tests/fixtures/teams`) and breaks one thing Deskhand or the SDK reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from structlog.testing import capture_logs

from bot.channels.teams_shape import check_activity
from tests.store_rows import rows_stored
from tests.teams.conftest import TeamsBot, documented

Activity = dict[str, Any]


def message(change: Callable[[Activity], object]) -> object:
    activity = documented("message")
    change(activity)
    return activity


def invoke(change: Callable[[Activity], object]) -> object:
    activity = documented("action_execute")
    activity["value"]["action"].update(verb="deskhand", data={"action": "f:1"})
    change(activity)
    return activity


def file_consent(change: Callable[[Activity], object]) -> object:
    activity = documented("action_execute")
    activity.update(
        name="fileConsent/invoke",
        value={"type": "fileUpload", "action": "accept", "context": {"file": "f1"}},
    )
    change(activity)
    return activity


def value(new: object) -> Callable[[Activity], object]:
    return lambda a: a.update(value=new)


def action(**fields: object) -> Callable[[Activity], object]:
    return lambda a: a["value"]["action"].update(fields)


# (name, the activity, the field the log line names)
MALFORMED: list[tuple[str, object, str]] = [
    ("a JSON list", [documented("message")], "body"),
    ("a JSON string", "message", "body"),
    *[
        (f"a message without {name}", message(lambda a, n=name: a.pop(n)), name)
        for name in ("type", "from", "conversation", "recipient", "serviceUrl")
    ],
    ("a message with an empty type", message(lambda a: a.update(type="")), "type"),
    ("a message whose sender has no id", message(lambda a: a["from"].pop("id")), "from.id"),
    ("a message with from a string", message(lambda a: a.update({"from": "29:tess"})), "from"),
    (
        "a message whose conversation has no id",
        message(lambda a: a["conversation"].pop("id")),
        "conversation.id",
    ),
    (
        "a message with conversation a list",
        message(lambda a: a.update(conversation=[])),
        "conversation",
    ),
    (
        "a message whose recipient has no id",
        message(lambda a: a["recipient"].pop("id")),
        "recipient.id",
    ),
    ("a message with text a number", message(lambda a: a.update(text=42)), "text"),
    ("a message with text an object", message(lambda a: a.update(text={"t": "x"})), "text"),
    ("a message with entities an object", message(lambda a: a.update(entities={})), "entities"),
    (
        "a message with channelData a string",
        message(lambda a: a.update(channelData="x")),
        "channelData",
    ),
    (
        "a message with a numeric tenant id",
        message(lambda a: a["conversation"].update(tenantId=1)),
        "conversation.tenantId",
    ),
    (
        "a message with a numeric aadObjectId",
        message(lambda a: a["from"].update(aadObjectId=7)),
        "from.aadObjectId",
    ),
    (
        "a message with a timestamp that is no time",
        message(lambda a: a.update(timestamp="soon")),
        "timestamp",
    ),
    ("an Action.Execute without value", invoke(lambda a: a.pop("value")), "value"),
    ("an Action.Execute with value a string", invoke(value("x")), "value"),
    ("an Action.Execute with value a list", invoke(value([])), "value"),
    ("an Action.Execute without action", invoke(value({"trigger": "manual"})), "value.action"),
    ("an Action.Execute with action a string", invoke(value({"action": "x"})), "value.action"),
    (
        "an Action.Execute action without type",
        invoke(lambda a: a["value"]["action"].pop("type")),
        "value.action.type",
    ),
    ("an Action.Execute with a numeric verb", invoke(action(verb=3)), "value.action.verb"),
    ("an Action.Execute with data a list", invoke(action(data=["f:1"])), "value.action.data"),
    (
        "an Action.Execute with replyToId a number",
        invoke(lambda a: a.update(replyToId=5)),
        "replyToId",
    ),
    (
        "a file consent without action",
        file_consent(lambda a: a["value"].pop("action")),
        "value.action",
    ),
    ("a file consent with value a string", file_consent(value("accept")), "value"),
]


async def test_every_malformed_activity_is_answered_400_and_runs_nothing(
    teams_bot: TeamsBot,
) -> None:
    before = await rows_stored(teams_bot.runtime.store)
    answered: dict[str, tuple[int, str]] = {}
    with capture_logs() as logs:
        for name, activity, _ in MALFORMED:
            response = await _post(teams_bot, json.dumps(activity))
            said = [e for e in logs if e["event"] == "teams.malformed_request"]
            answered[name] = (response.status_code, str(said[-1]["field"]) if said else "")
            logs.clear()
    assert answered == {name: (400, field) for name, _, field in MALFORMED}
    assert teams_bot.connector.calls == []  # no answer sent, nobody looked up
    assert await rows_stored(teams_bot.runtime.store) == before


async def test_a_body_that_is_not_json_is_answered_400(teams_bot: TeamsBot) -> None:
    with capture_logs() as logs:
        response = await _post(teams_bot, "{not json")
    assert response.status_code == 400
    [line] = [e for e in logs if e["event"] == "teams.malformed_request"]
    assert (line["kind"], line["field"], line["problem"]) == ("activity", "body", "not JSON")


async def test_the_log_line_names_the_invoke_and_never_the_activity(teams_bot: TeamsBot) -> None:
    with capture_logs() as logs:
        response = await _post(teams_bot, json.dumps(invoke(value("x"))))
    assert response.json() == {"error": "malformed invoke:adaptiveCard/action: value model_type"}
    [line] = [e for e in logs if e["event"] == "teams.malformed_request"]
    assert line["kind"] == "invoke:adaptiveCard/action"
    assert "aad-tess" not in json.dumps(line) and "helpdesk" not in json.dumps(line)


async def test_an_unknown_token_is_still_refused_before_the_shape_is_read(
    teams_bot: TeamsBot,
) -> None:
    response = await teams_bot.http.post("/api/messages", content="[]")
    assert response.status_code == 401


async def test_well_formed_activities_deskhand_does_not_handle_are_still_accepted(
    teams_bot: TeamsBot,
) -> None:
    typing = documented("message")
    typing.update(type="typing", text=None)
    response = await teams_bot.post(typing)
    assert response.status_code in (200, 202)


async def test_a_handler_bug_answers_500_with_the_reference_it_logs(
    teams_bot: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.channels.teams.TeamsChannel.on_message_activity", broken)
    with capture_logs() as logs:
        response = await teams_bot.say("user adele")
    assert response.status_code == 500
    [line] = [e for e in logs if e["event"] == "server.request_crashed"]
    assert response.json()["reference"] == line["reference"]
    assert line["path"] == "/api/messages"
    # The SDK's default told the chat the exception's text; nothing of it goes out.
    assert "a bug" not in json.dumps([call.body for call in teams_bot.connector.calls])


def test_the_documented_activities_pass_the_check() -> None:
    for activity in [message(lambda a: None), invoke(lambda a: None), file_consent(lambda a: None)]:
        assert check_activity(json.dumps(activity)) is None


async def _post(bot: TeamsBot, body: str) -> Any:
    """`body` as sent, signed with a valid channel-service token."""
    headers = {
        "Authorization": f"Bearer {bot.connector.token()}",
        "Content-Type": "application/json",
    }
    return await bot.http.post("/api/messages", content=body, headers=headers)


# Every field Deskhand or the SDK reads, by where it sits in the documented activity; the
# optional ones may be null.
READ: dict[str, tuple[Callable[[Callable[[Activity], object]], object], list[str], list[str]]] = {
    "message": (
        message,
        [
            "type",
            "from",
            "from.id",
            "conversation",
            "conversation.id",
            "recipient",
            "recipient.id",
            "serviceUrl",
        ],
        [
            "text",
            "entities",
            "channelData",
            "from.aadObjectId",
            "conversation.tenantId",
            "conversation.conversationType",
        ],
    ),
    "action_execute": (
        invoke,
        ["value", "value.action", "value.action.type"],
        ["value.action.verb", "value.action.data", "replyToId"],
    ),
}
WRONG_VALUES: list[object] = [..., None, 0, True, [], {}]


def _broken(path: str, new: object) -> Callable[[Activity], object]:
    """Replace (or, for `...`, drop) the field at a dotted path."""

    def change(activity: Activity) -> None:
        *parents, last = path.split(".")
        here: Any = activity
        for part in parents:
            here = here[part]
        if new is ...:
            here.pop(last, None)
        else:
            here[last] = new

    return change


def test_every_field_dropped_or_mistyped_is_malformed() -> None:
    missed = []
    count = 0
    for kind, (build, required, optional) in READ.items():
        original = json.loads(json.dumps(build(lambda a: None)))
        for path in [*required, *optional]:
            here: Any = original
            for part in path.split("."):
                here = here.get(part) if isinstance(here, dict) else None
            for new in WRONG_VALUES:
                allowed = path in optional and new in (..., None)
                if allowed or (new is not ... and type(new) is type(here)):
                    continue
                count += 1
                malformed = check_activity(json.dumps(build(_broken(path, new))))
                if malformed is None or not (
                    path.startswith(malformed.field) or malformed.field.startswith(path)
                ):
                    missed.append((f"{kind} {path}={new!r}", malformed))
    assert count > 60
    assert missed == []
