"""TeamsNotifier against the loopback channel service: post, update, tell, and where a secret
goes (only ever a 1:1 chat)."""

from __future__ import annotations

import json

import pytest

from bot.approvals.notify import Notifier, Posted
from bot.channels.teams import MAX_INLINE_IMAGE
from bot.channels.teams_notify import NO_PERSONAL_CHAT, TeamsNotifier
from cards.reply import Button, File, Level, Notice, Reply, Text
from core.errors import DeliveryError
from tests.fakes.bot_connector import HOME_TENANT
from tests.teams.conftest import TeamsBot, documented

CHANNEL_CONVERSATION = "19:helpdesk@thread.skype"
PERSONAL = "a:personal-tess"
SECRET = "Xq7#pL2!vR9$wM4z"
APPROVAL = Reply(
    title="Approval needed: /block in contoso",
    blocks=(Text("Block sign-in for Lynne Robbins"),),
    buttons=(Button("Approve", "a:abc:approve", "primary"), Button("Deny", "a:abc:deny")),
    mentions=("ada@msp.example",),
)
OUTCOME = Reply(
    title="/reset-password in contoso: done",
    blocks=(Notice(Level.SUCCESS, "Password reset for Lynne Robbins."),),
    secret=SECRET,
    private=True,
)
TESS = {"conversation": CHANNEL_CONVERSATION, "user": "aad-tess", "tenant": HOME_TENANT}


def notifier_of(teams_bot: TeamsBot) -> TeamsNotifier:
    teams = teams_bot.server.teams
    assert teams is not None
    return TeamsNotifier(teams)


async def seen_in_the_channel(teams_bot: TeamsBot) -> None:
    await teams_bot.say("help")
    await teams_bot.connector.wait_for("reply")
    teams_bot.connector.calls.clear()


async def seen_in_a_personal_chat(teams_bot: TeamsBot) -> None:
    activity = documented("message")
    activity.update(text="help", id="personal-1")
    activity["conversation"].update(conversationType="personal", id=PERSONAL)
    await teams_bot.post(activity)
    await teams_bot.connector.wait_for("reply")
    teams_bot.connector.calls.clear()


def where_secret_went(teams_bot: TeamsBot) -> list[str]:
    return [
        call.conversation_id
        for call in teams_bot.connector.calls
        if SECRET in json.dumps(call.body, ensure_ascii=False)
    ]


async def test_post_sends_a_new_card_mentioning_approvers_and_returns_its_id(
    teams_bot: TeamsBot,
) -> None:
    await seen_in_the_channel(teams_bot)
    notifier: Notifier = notifier_of(teams_bot)
    posted = await notifier.post(CHANNEL_CONVERSATION, APPROVAL)
    call = teams_bot.connector.sent("send")[0]
    assert call.conversation_id == CHANNEL_CONVERSATION
    card = call.body["attachments"][0]["content"]
    assert card["body"][0]["text"] == "<at>ada@msp.example</at>"
    assert card["msteams"]["entities"][0]["mentioned"] == {
        "id": "ada@msp.example",
        "name": "ada@msp.example",
    }
    assert posted.channel == "teams"
    assert posted.address["conversation"] == CHANNEL_CONVERSATION
    assert posted.address["activity_id"].startswith("activity-")


async def test_update_edits_the_posted_card(teams_bot: TeamsBot) -> None:
    await seen_in_the_channel(teams_bot)
    notifier = notifier_of(teams_bot)
    posted = await notifier.post(CHANNEL_CONVERSATION, APPROVAL)
    await notifier.update(posted, Reply(title="/block in contoso: done"))
    edit = teams_bot.connector.sent("update")[0]
    assert edit.conversation_id == CHANNEL_CONVERSATION
    assert edit.body["id"] == posted.address["activity_id"]
    assert "done" in json.dumps(edit.body["attachments"])
    assert "Action.Execute" not in json.dumps(edit.body)


async def test_a_conversation_never_seen_is_a_delivery_error_saying_what_to_do(
    teams_bot: TeamsBot,
) -> None:
    with pytest.raises(DeliveryError, match="add Deskhand to it"):
        await notifier_of(teams_bot).post("19:never-seen@thread.skype", APPROVAL)
    with pytest.raises(DeliveryError):
        await notifier_of(teams_bot).update(Posted("teams", {"conversation": "x"}), APPROVAL)


async def test_post_never_carries_a_secret(teams_bot: TeamsBot) -> None:
    await seen_in_the_channel(teams_bot)
    await notifier_of(teams_bot).post(CHANNEL_CONVERSATION, OUTCOME)
    assert where_secret_went(teams_bot) == []


async def test_tell_goes_to_the_requester_s_personal_chat_secret_included(
    teams_bot: TeamsBot,
) -> None:
    await seen_in_the_channel(teams_bot)
    await seen_in_a_personal_chat(teams_bot)
    await notifier_of(teams_bot).tell(TESS, OUTCOME)
    sent = teams_bot.connector.sent("send")
    assert {call.conversation_id for call in sent} == {PERSONAL}
    assert "Password reset" in json.dumps(sent[0].body)
    assert where_secret_went(teams_bot) == [PERSONAL]


async def test_tell_without_a_personal_chat_says_how_to_get_one_and_keeps_the_secret(
    teams_bot: TeamsBot,
) -> None:
    await seen_in_the_channel(teams_bot)
    await notifier_of(teams_bot).tell(TESS, OUTCOME)
    sent = teams_bot.connector.sent("send")
    assert [call.conversation_id for call in sent] == [CHANNEL_CONVERSATION]
    text = json.dumps(sent[0].body, ensure_ascii=False)
    assert "Password reset" in text
    assert "no 1:1 chat with you yet" in text and NO_PERSONAL_CHAT.startswith("Deskhand")
    assert where_secret_went(teams_bot) == []


async def test_the_server_registers_its_teams_notifier_while_it_runs(teams_bot: TeamsBot) -> None:
    assert isinstance(teams_bot.runtime.notifiers.get("teams"), TeamsNotifier)


async def test_publish_sends_the_card_then_the_chart_as_an_inline_image(
    teams_bot: TeamsBot,
) -> None:
    await seen_in_the_channel(teams_bot)
    chart = File("mfa-contoso.png", "image/png", b"\x89PNG chart")
    digest = Reply(title="MFA digest: contoso", blocks=(Text("94% covered"),), files=(chart,))
    posted = await notifier_of(teams_bot).publish(CHANNEL_CONVERSATION, digest)
    card, image = teams_bot.connector.sent("send")
    assert card.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert image.body["attachments"] == [
        {
            "contentType": "image/png",
            "contentUrl": "data:image/png;base64,iVBORyBjaGFydA==",
            "name": "mfa-contoso.png",
        }
    ]
    assert image.conversation_id == CHANNEL_CONVERSATION
    assert posted.address["activity_id"].startswith("activity-")
    # No "files only in a 1:1 chat" word: the chart is shown, not offered as a file.
    assert "1:1" not in json.dumps([c.body for c in teams_bot.connector.sent("send")])


async def test_publish_says_so_when_a_chart_is_too_big_to_show_inline(
    teams_bot: TeamsBot,
) -> None:
    await seen_in_the_channel(teams_bot)
    chart = File("big.png", "image/png", b"x" * (MAX_INLINE_IMAGE + 1))
    await notifier_of(teams_bot).publish(CHANNEL_CONVERSATION, Reply(title="d", files=(chart,)))
    sent = teams_bot.connector.sent("send")
    assert len(sent) == 1
    assert "Too large to show in Teams: big.png." in json.dumps(sent[0].body)
