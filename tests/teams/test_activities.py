"""Teams activities end to end: message → card, Action.Execute → updated card, files, proactive."""

from __future__ import annotations

import json
from typing import Any

from bot.store import list_audit
from cards.reply import Reply
from core.errors import NotFound
from tests.fakes.bot_connector import OTHER_TENANT
from tests.teams.conftest import TeamsBot, documented

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def card_text(activity: dict[str, Any]) -> str:
    return json.dumps(activity.get("attachments", []), ensure_ascii=False) + str(
        activity.get("text") or ""
    )


async def test_a_mention_in_a_channel_answers_with_a_card(teams_bot: TeamsBot) -> None:
    await teams_bot.say("user adele.vance@contoso.com")
    reply = (await teams_bot.connector.wait_for("reply"))[0].body
    assert reply["attachments"][0]["contentType"] == ADAPTIVE
    assert reply["attachments"][0]["content"]["version"] == "1.5"
    assert "Adele Vance" in card_text(reply)
    assert "active, MFA registered" in card_text(reply)


async def test_a_personal_chat_needs_no_mention_and_takes_a_slash(teams_bot: TeamsBot) -> None:
    activity = documented("message")
    activity["text"] = "/user megan.bowen@contoso.com"
    activity["entities"] = []
    activity["conversation"].update(conversationType="personal", id="a:personal-tess")
    await teams_bot.post(activity)
    reply = (await teams_bot.connector.wait_for("reply"))[0].body
    assert "inactive 120 days, still licensed" in card_text(reply)


async def test_people_of_another_organisation_are_refused(teams_bot: TeamsBot) -> None:
    await teams_bot.say("user adele", tenantId=OTHER_TENANT)
    reply = (await teams_bot.connector.wait_for("reply"))[0].body
    assert "own organisation" in card_text(reply)
    assert "Adele Vance" not in card_text(reply)
    async with teams_bot.runtime.store.engine.connect() as conn:
        refusals = [r for r in await list_audit(conn) if r.command == "(identity)"]
    assert [r.outcome for r in refusals] == ["denied"]


async def test_action_execute_answers_the_clicker_and_edits_the_message(
    teams_bot: TeamsBot,
) -> None:
    await teams_bot.say("user a")
    choices = (await teams_bot.connector.wait_for("reply"))[0].body["attachments"][0]["content"]
    actions = json.dumps(choices)
    start = actions.index('"action": "f:') + len('"action": "')
    action_id = actions[start : actions.index('"', start)]
    invoke = documented("action_execute")
    invoke["value"]["action"].update(verb="deskhand", data={"action": action_id})
    response = await teams_bot.post(invoke)
    assert response.status_code == 200
    answer = response.json()
    assert answer["statusCode"] == 200 and answer["type"] == ADAPTIVE
    assert "(" in json.dumps(answer["value"]) and "@contoso.com" in json.dumps(answer["value"])
    edited = (await teams_bot.connector.wait_for("update"))[0]
    assert edited.body["attachments"][0]["contentType"] == ADAPTIVE


async def test_a_forged_card_action_changes_nothing(teams_bot: TeamsBot) -> None:
    invoke = documented("action_execute")
    invoke["value"]["action"].update(verb="deskhand", data={"action": "f:forged"})
    response = await teams_bot.post(invoke)
    assert "expired or is not Deskhand's" in json.dumps(response.json())
    assert teams_bot.connector.sent("update") == []


async def test_exports_in_a_channel_point_to_a_personal_chat(teams_bot: TeamsBot) -> None:
    await teams_bot.say("users --export csv --columns name,upn")
    replies = await teams_bot.connector.wait_for("reply", count=2)
    assert "only in a 1:1 chat" in card_text(replies[-1].body)


async def test_exports_in_a_personal_chat_go_through_file_consent(teams_bot: TeamsBot) -> None:
    activity = documented("message")
    activity["text"] = "users --export csv --columns name,upn"
    activity["conversation"].update(conversationType="personal", id="a:personal-tess")
    await teams_bot.post(activity)
    replies = await teams_bot.connector.wait_for("reply", count=2)
    consent = replies[-1].body["attachments"][0]
    assert consent["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
    accept = documented("action_execute")
    accept.update(name="fileConsent/invoke", conversation=activity["conversation"])
    accept["value"] = {
        "type": "fileUpload",
        "action": "accept",
        "context": consent["content"]["acceptContext"],
        "uploadInfo": {
            "contentUrl": teams_bot.connector.url + "/files/users.csv",
            "name": "users.csv",
            "uploadUrl": teams_bot.connector.url + "/upload/users.csv",
            "fileType": "csv",
            "uniqueId": "unique-1",
        },
    }
    response = await teams_bot.post(accept)
    assert response.status_code == 200
    assert teams_bot.connector.uploads["users.csv"].decode().startswith("name,upn")
    info = (await teams_bot.connector.wait_for("reply", count=3))[-1].body["attachments"][0]
    assert info["contentType"] == "application/vnd.microsoft.teams.card.file.info"


async def test_a_proactive_message_reaches_a_known_conversation(teams_bot: TeamsBot) -> None:
    await teams_bot.say("help")
    await teams_bot.connector.wait_for("reply")
    teams = teams_bot.server.teams
    assert teams is not None
    conversation = documented("message")["conversation"]["id"]
    await teams.post(conversation, Reply(title="MFA digest for Contoso"))
    posted = teams_bot.connector.calls[-1]
    assert posted.kind == "send"
    assert posted.conversation_id == conversation.split(";")[0]  # a new post in the channel
    assert "MFA digest for Contoso" in card_text(posted.body)


async def test_a_proactive_message_to_an_unknown_conversation_says_what_to_do(
    teams_bot: TeamsBot,
) -> None:
    teams = teams_bot.server.teams
    assert teams is not None
    try:
        await teams.post("19:never-seen@thread.skype", Reply(title="x"))
    except NotFound as error:
        assert "add Deskhand to it and send it a message first" in error.message
    else:
        raise AssertionError("an unknown conversation must be refused")


async def test_a_private_conversation_gets_no_answer_in_it(teams_bot: TeamsBot) -> None:
    teams = teams_bot.server.teams
    assert teams is not None
    conversation = documented("message")["conversation"]["id"]
    teams._private = frozenset({conversation.split(";")[0]})
    await teams_bot.say("user adele.vance@contoso.com")
    reply = (await teams_bot.connector.wait_for("reply"))[0].body
    assert "only in a 1:1 chat" in card_text(reply)
    assert "Adele" not in card_text(reply)


async def test_guests_and_shared_channel_outsiders_are_refused(teams_bot: TeamsBot) -> None:
    for member, name in (("29:gus", "Gus Guest"), ("29:olga", "Olga Outside")):
        activity = documented("message")
        activity["from"] = {"id": member, "name": name, "aadObjectId": f"aad-{member[3:]}"}
        activity["id"] = f"from-{member}"
        await teams_bot.post(activity)
    replies = await teams_bot.connector.wait_for("reply", count=2)
    texts = " | ".join(card_text(r.body) for r in replies)
    assert "Guest accounts cannot use Deskhand." in texts
    assert "own organisation" in texts
    assert "Adele" not in texts


async def test_a_resent_activity_runs_once(teams_bot: TeamsBot) -> None:
    activity = documented("message")
    await teams_bot.post(dict(activity))
    await teams_bot.post(dict(activity))
    await teams_bot.connector.wait_for("reply")
    assert len(teams_bot.connector.sent("reply")) == 1


async def test_a_digest_in_a_channel_shows_its_chart_inline(teams_bot: TeamsBot) -> None:
    """Files go only to 1:1 chats, but a chart is part of the answer: Teams shows it inline."""
    await teams_bot.say("digest mfa --tenant contoso")
    card, image = (await teams_bot.connector.wait_for("reply", count=2, within=30))[:2]
    assert "MFA coverage" in card_text(card.body)
    attachment = image.body["attachments"][0]
    assert attachment["contentType"] == "image/png"
    assert attachment["contentUrl"].startswith("data:image/png;base64,iVBOR")
    assert "1:1" not in json.dumps([c.body for c in teams_bot.connector.sent("reply")])
