"""Where Slack replies go: private ones ephemeral, a click's answer in place of its card,
errors beside it, approvers mentioned."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.pipeline.invocation import Invocation
from cards.reply import Button, Form, Input, Level, Notice, Reply, Text
from commands.kit.context import Progress
from tests.fakes.slack_api import APPROVER, TESS
from tests.slack.conftest import SlackBot


class Answer:
    """Stands in for the router: every request gets `reply`."""

    def __init__(self) -> None:
        self.reply = Reply(title="Noted")

    async def handle(self, invocation: Invocation, progress: Progress | None = None) -> Reply:
        return self.reply


@pytest.fixture
def answer(slack_bot: SlackBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Answer]:
    answer = Answer()
    monkeypatch.setattr(slack_bot.runtime.router, "handle", answer.handle)
    yield answer


CONFIRM = Reply(
    title="Confirm /block",
    blocks=(Text("Block sign-in for Lynne Robbins"),),
    buttons=(Button("Confirm", "a:abc:confirm", "danger"), Button("Cancel", "a:abc:cancel")),
    private=True,
)
DONE = Reply(title="/block in contoso: done", blocks=(Notice(Level.SUCCESS, "Done."),))


async def test_a_private_reply_to_a_slash_command_is_ephemeral(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = CONFIRM
    await slack_bot.command("block lynne")
    sent = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert sent["response_type"] == "ephemeral" and sent["replace_original"] is False
    assert "Confirm /block" in json.dumps(sent["blocks"])
    await slack_bot.server.work.drain(5)
    assert slack_bot.slack.called("chat.postMessage") == []


async def test_a_private_reply_to_a_mention_is_ephemeral_in_its_thread(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = CONFIRM
    await slack_bot.mention("<@UBOT> block lynne")
    sent = (await slack_bot.slack.wait_for("chat.postEphemeral"))[0].args
    assert (sent["user"], sent["thread_ts"]) == (TESS, "1515449522.000016")
    await slack_bot.server.work.drain(5)
    assert slack_bot.slack.called("chat.postMessage") == []


async def test_the_answer_to_a_click_on_an_ephemeral_card_replaces_it(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = DONE
    await slack_bot.click("a:abc:confirm", container={"is_ephemeral": True})
    sent = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert sent["replace_original"] is True
    assert "Done." in json.dumps(sent["blocks"])
    await slack_bot.server.work.drain(5)
    assert slack_bot.slack.called("chat.postMessage") == []
    assert slack_bot.slack.called("chat.update") == []


async def test_without_a_response_url_the_clicked_message_is_updated(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = DONE
    await slack_bot.click("a:abc:approve", response_url=False)
    updated = (await slack_bot.slack.wait_for("chat.update"))[0].args
    assert (updated["channel"], updated["ts"]) == ("C0OPEN", "1548261231.000200")
    assert "Done." in json.dumps(updated["blocks"])
    await slack_bot.server.work.drain(5)
    assert slack_bot.slack.called("chat.postMessage") == []


async def test_a_private_answer_never_replaces_a_card_others_see(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = CONFIRM
    await slack_bot.click("f:next", response_url=False)
    sent = (await slack_bot.slack.wait_for("chat.postEphemeral"))[0].args
    assert sent["user"] == TESS
    await slack_bot.server.work.drain(5)
    assert slack_bot.slack.called("chat.update") == []


async def test_an_error_from_a_click_is_ephemeral_and_leaves_the_card(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = Reply.error("You cannot approve your own request.")
    await slack_bot.click("a:abc:approve")
    sent = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert sent["response_type"] == "ephemeral" and sent["replace_original"] is False
    await slack_bot.server.work.drain(5)
    assert slack_bot.slack.called("chat.update") == []


async def test_a_form_from_a_card_opens_a_modal_that_finds_its_way_back(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = Reply(
        title="Deny /block",
        blocks=(Text("Say why you deny"),),
        form=Form("a:abc:deny", "Deny the action", "Deny", (Input("reason", "Reason"),)),
    )
    await slack_bot.click("a:abc:deny")
    view = (await slack_bot.slack.wait_for("views.open"))[0].args["view"]
    assert view["callback_id"] == "deskhand-form:a:abc:deny"
    place = json.loads(view["private_metadata"])
    assert place == {"channel": "C0OPEN", "ts": "1548261231.000200"}
    # The card stays for the other approvers; the text goes to the clicker only.
    note = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert note["replace_original"] is False and note["response_type"] == "ephemeral"
    await slack_bot.server.work.drain(5)
    assert slack_bot.slack.called("chat.update") == []


async def test_the_answer_to_a_submitted_form_replaces_the_card_it_came_from(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = DONE
    values = {"reason": {"reason": {"type": "plain_text_input", "value": "No"}}}
    metadata = json.dumps({"channel": "C0OPEN", "ts": "1548261231.000200"})
    await slack_bot.submit("a:abc:deny", values, metadata)
    updated = (await slack_bot.slack.wait_for("chat.update"))[0].args
    assert (updated["channel"], updated["ts"]) == ("C0OPEN", "1548261231.000200")


async def test_approvers_are_mentioned_by_their_slack_ids(
    slack_bot: SlackBot, answer: Answer
) -> None:
    answer.reply = Reply(
        title="Approval needed", mentions=("ada@msp.example", "nobody@msp.example")
    )
    await slack_bot.mention("<@UBOT> anything")
    posted = (await slack_bot.slack.wait_for("chat.postMessage"))[0].args
    first = posted["blocks"][0]["text"]["text"]
    assert first == f"<@{APPROVER}> nobody@msp.example"
    assert posted["text"].startswith(f"<@{APPROVER}>")
