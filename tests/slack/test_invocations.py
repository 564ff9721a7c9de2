"""What the Slack listeners put in an Invocation: privacy, return address, form values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.pipeline.invocation import Invocation
from cards.reply import Reply
from commands.kit.context import Progress
from tests.fakes.slack_api import TEAM, TESS
from tests.slack.conftest import SlackBot


class Recorder:
    """Stands in for the router: keeps each Invocation, answers a fixed reply."""

    def __init__(self) -> None:
        self.seen: list[Invocation] = []
        self.reply = Reply(title="Noted")

    async def handle(self, invocation: Invocation, progress: Progress | None = None) -> Reply:
        self.seen.append(invocation)
        return self.reply


@pytest.fixture
def recorder(slack_bot: SlackBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    recorder = Recorder()
    monkeypatch.setattr(slack_bot.runtime.router, "handle", recorder.handle)
    yield recorder


async def only(slack_bot: SlackBot, recorder: Recorder) -> Invocation:
    await slack_bot.server.work.drain(5)
    assert len(recorder.seen) == 1
    return recorder.seen[0]


async def test_a_slash_command_is_private_and_says_where_to_find_the_requester(
    slack_bot: SlackBot, recorder: Recorder
) -> None:
    await slack_bot.command("user adele")
    invocation = await only(slack_bot, recorder)
    assert invocation.private is True
    assert dict(invocation.return_address) == {"team": TEAM, "user": TESS, "channel": "C0OPEN"}
    assert "response" not in json.dumps(dict(invocation.return_address))  # no response_url


async def test_a_mention_in_a_channel_is_not_private(
    slack_bot: SlackBot, recorder: Recorder
) -> None:
    await slack_bot.mention("<@UBOT> user adele")
    invocation = await only(slack_bot, recorder)
    assert invocation.private is False
    assert invocation.return_address["thread_ts"] == "1515449522.000016"


async def test_a_direct_message_is_private(slack_bot: SlackBot, recorder: Recorder) -> None:
    await slack_bot.mention("<@UBOT> user adele", channel="D0TESS")
    invocation = await only(slack_bot, recorder)
    assert invocation.private is True


async def test_a_click_on_an_ephemeral_card_is_private(
    slack_bot: SlackBot, recorder: Recorder
) -> None:
    await slack_bot.click("a:abc:confirm", container={"is_ephemeral": True})
    invocation = await only(slack_bot, recorder)
    assert (invocation.action, invocation.private) == ("a:abc:confirm", True)


async def test_a_click_on_a_card_in_a_channel_is_not_private(
    slack_bot: SlackBot, recorder: Recorder
) -> None:
    await slack_bot.click("a:abc:approve")
    invocation = await only(slack_bot, recorder)
    assert invocation.private is False


async def test_a_submitted_form_brings_its_values_by_input_name(
    slack_bot: SlackBot, recorder: Recorder
) -> None:
    values: dict[str, Any] = {
        "reason": {"reason": {"type": "plain_text_input", "value": "Not during payroll"}},
        "when": {
            "when": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "Now"}, "value": "now"},
            }
        },
        "left-empty": {"left-empty": {"type": "plain_text_input", "value": None}},
    }
    metadata = json.dumps({"channel": "C0OPEN", "ts": "1548261231.000200"})
    await slack_bot.submit("a:abc:deny", values, metadata)
    invocation = await only(slack_bot, recorder)
    assert invocation.action == "a:abc:deny"
    assert dict(invocation.values) == {"reason": "Not during payroll", "when": "now"}
    assert invocation.private is True
    assert invocation.conversation == "C0OPEN"


async def test_the_documented_view_submission_is_read_without_inventing_values(
    slack_bot: SlackBot, recorder: Recorder
) -> None:
    # As Slack documents it: an input whose block and element ids differ (not Deskhand's).
    documented_values = {
        "multi-line": {"ml-value": {"type": "plain_text_input", "value": "example"}}
    }
    await slack_bot.submit("f:form", documented_values, "C0OPEN")
    invocation = await only(slack_bot, recorder)
    assert dict(invocation.values) == {}
    assert invocation.conversation == "C0OPEN"  # a bare channel id is still understood


async def test_a_slash_command_whose_text_holds_the_word_payload_reaches_the_router(
    slack_bot: SlackBot, recorder: Recorder
) -> None:
    # bolt reads any form body containing "payload" as an interaction; this one is a command.
    answer = await slack_bot.command("user payload@contoso.com")
    invocation = await only(slack_bot, recorder)
    assert answer.status_code == 200
    assert invocation.text == "user payload@contoso.com"
    assert dict(invocation.return_address)["user"] == TESS
