"""What the Teams adapter puts in an Invocation (privacy, return address, form values), and
when a click's answer edits the card for everyone."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.pipeline.invocation import Invocation
from cards.reply import Form, Input, Reply, Text
from commands.kit.context import Progress
from tests.fakes.bot_connector import HOME_TENANT
from tests.teams.conftest import TeamsBot, documented

CHANNEL_CONVERSATION = "19:helpdesk@thread.skype"


class Recorder:
    """Stands in for the router: keeps each Invocation, answers `reply`."""

    def __init__(self) -> None:
        self.seen: list[Invocation] = []
        self.reply = Reply(title="Noted")

    async def handle(self, invocation: Invocation, progress: Progress | None = None) -> Reply:
        self.seen.append(invocation)
        return self.reply


@pytest.fixture
def recorder(teams_bot: TeamsBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    recorder = Recorder()
    monkeypatch.setattr(teams_bot.runtime.router, "handle", recorder.handle)
    yield recorder


def form_submit(form_id: str, **inputs: str) -> dict[str, object]:
    """The adaptiveCard/action invoke Teams sends for a form's Action.Execute: its inputs are
    merged into `data` by id, beside the form id."""
    invoke = documented("action_execute")
    invoke["value"]["action"].update(verb="deskhand-form", data={"form": form_id, **inputs})
    return invoke


async def test_a_message_in_a_channel_is_not_private(
    teams_bot: TeamsBot, recorder: Recorder
) -> None:
    await teams_bot.say("user adele")
    await teams_bot.connector.wait_for("reply")
    invocation = recorder.seen[0]
    assert invocation.private is False
    assert dict(invocation.return_address) == {
        "conversation": CHANNEL_CONVERSATION,
        "user": "aad-tess",
        "tenant": HOME_TENANT,
    }


async def test_a_personal_chat_is_private_and_is_its_own_return_address(
    teams_bot: TeamsBot, recorder: Recorder
) -> None:
    activity = documented("message")
    activity["text"] = "user adele"
    activity["conversation"].update(conversationType="personal", id="a:personal-tess")
    await teams_bot.post(activity)
    await teams_bot.connector.wait_for("reply")
    invocation = recorder.seen[0]
    assert invocation.private is True
    assert invocation.return_address["personal"] == "a:personal-tess"


async def test_a_submitted_card_form_brings_its_values(
    teams_bot: TeamsBot, recorder: Recorder
) -> None:
    response = await teams_bot.post(form_submit("a:abc:deny", reason="Payroll week"))
    assert response.status_code == 200
    invocation = recorder.seen[0]
    assert invocation.action == "a:abc:deny"
    assert dict(invocation.values) == {"reason": "Payroll week"}


async def test_a_button_click_brings_no_values(teams_bot: TeamsBot, recorder: Recorder) -> None:
    invoke = documented("action_execute")
    invoke["value"]["action"].update(verb="deskhand", data={"action": "a:abc:approve"})
    await teams_bot.post(invoke)
    assert (recorder.seen[0].action, dict(recorder.seen[0].values)) == ("a:abc:approve", {})


async def test_an_outcome_for_everyone_edits_the_card_for_everyone(
    teams_bot: TeamsBot, recorder: Recorder
) -> None:
    recorder.reply = Reply(title="/block in contoso: done")
    invoke = documented("action_execute")
    invoke["value"]["action"].update(verb="deskhand", data={"action": "a:abc:approve"})
    response = await teams_bot.post(invoke)
    assert "done" in json.dumps(response.json()["value"])
    edited = (await teams_bot.connector.wait_for("update"))[0]
    assert "done" in json.dumps(edited.body)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(title="Confirm /block", private=True),
        Reply(
            title="Deny /block",
            blocks=(Text("Say why"),),
            form=Form("a:abc:deny", "Deny the action", "Deny", (Input("reason", "Reason"),)),
        ),
        Reply.error("You cannot approve your own request."),
    ],
    ids=["private", "form", "error"],
)
async def test_an_answer_for_the_clicker_only_leaves_everyone_s_card(
    teams_bot: TeamsBot, recorder: Recorder, reply: Reply
) -> None:
    recorder.reply = reply
    invoke = documented("action_execute")
    invoke["value"]["action"].update(verb="deskhand", data={"action": "a:abc:deny"})
    response = await teams_bot.post(invoke)
    assert response.json()["type"] == "application/vnd.microsoft.card.adaptive"
    assert teams_bot.connector.sent("update") == []
