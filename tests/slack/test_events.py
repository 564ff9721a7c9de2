"""Signed requests to the running server; answers checked at the fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
import time

from bot.channels.slack import BUSY
from bot.process.server import Listener, start_server
from bot.store import list_audit
from tests.fakes.slack_api import GUEST, LOCKED_CHANNEL, OUTSIDER, SHARED_CHANNEL, TESS
from tests.slack.conftest import SlackBot


def block_text(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_a_slash_command_is_acked_at_once_then_answered_in_the_channel(
    slack_bot: SlackBot,
) -> None:
    response = await slack_bot.command("user adele.vance@contoso.com")
    assert response.status_code == 200
    posted = (await slack_bot.slack.wait_for("chat.postMessage"))[0].args
    assert posted["channel"] == "C0OPEN"
    assert "Adele Vance" in block_text(posted["blocks"])
    assert "active, MFA registered" in block_text(posted["blocks"])


async def test_a_mention_answers_in_the_thread(slack_bot: SlackBot) -> None:
    response = await slack_bot.mention(
        "<@UBOT> user <mailto:megan.bowen@contoso.com|megan.bowen@contoso.com>"
    )
    assert response.status_code == 200
    posted = (await slack_bot.slack.wait_for("chat.postMessage"))[0].args
    assert posted["thread_ts"] == "1515449522.000016"
    assert "inactive 120 days, still licensed" in block_text(posted["blocks"])


async def test_errors_are_ephemeral_to_the_requester(slack_bot: SlackBot) -> None:
    await slack_bot.command("user nobody@contoso.com")
    answer = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert answer["response_type"] == "ephemeral"
    assert "No user in Contoso matches" in answer["text"]
    assert slack_bot.slack.called("chat.postMessage") == []


async def test_a_channel_shared_with_another_organisation_gets_ephemeral_answers(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("user adele.vance@contoso.com", channel_id=SHARED_CHANNEL)
    answer = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert answer["response_type"] == "ephemeral"
    assert "Adele Vance" in block_text(answer["blocks"])
    assert slack_bot.slack.called("chat.postMessage") == []


async def test_where_the_bot_cannot_post_the_answer_goes_to_direct_messages(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("user adele.vance@contoso.com", channel_id=LOCKED_CHANNEL)
    posts = await slack_bot.slack.wait_for("chat.postMessage", count=2)
    assert [p.args["channel"] for p in posts] == [LOCKED_CHANNEL, f"D{TESS}"]
    note = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert "your DMs" in note["text"]


async def test_exports_go_by_direct_message(slack_bot: SlackBot) -> None:
    await slack_bot.command("users --export csv --columns name,upn")
    done = (await slack_bot.slack.wait_for("files.completeUploadExternal"))[0].args
    assert done["channel_id"] == f"D{TESS}"
    csv = next(iter(slack_bot.slack.uploads.values())).decode()
    assert csv.startswith("name,upn")
    assert "adele.vance@contoso.com" in csv


async def test_guests_and_other_organisations_are_refused(slack_bot: SlackBot) -> None:
    await slack_bot.command("user adele", user_id=GUEST)
    await slack_bot.command("user adele", user_id=OUTSIDER)
    answers = await slack_bot.slack.wait_for("response_url", count=2)
    texts = " | ".join(a.args["text"] for a in answers)
    assert "Guest accounts cannot use Deskhand." in texts
    assert "own organisation" in texts
    assert slack_bot.slack.called("chat.postMessage") == []
    async with slack_bot.runtime.store.engine.connect() as conn:
        refusals = [r for r in await list_audit(conn) if r.command == "(identity)"]
    assert {(r.actor, r.outcome) for r in refusals} == {
        (f"slack:T0001:{GUEST}", "denied"),
        (f"slack:T0001:{OUTSIDER}", "denied"),
    }


async def test_forged_stale_and_replayed_requests_are_refused(slack_bot: SlackBot) -> None:
    body = "command=%2Fdeskhand&text=user+adele&team_id=T0001&user_id=U0TESS&channel_id=C0OPEN"
    forged = await slack_bot.send(body, "application/x-www-form-urlencoded", secret="not-it")
    stale = await slack_bot.send(
        body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 301
    )
    now = int(time.time())
    first = await slack_bot.send(body, "application/x-www-form-urlencoded", timestamp=now)
    replayed = await slack_bot.send(body, "application/x-www-form-urlencoded", timestamp=now)
    assert (forged.status_code, stale.status_code, replayed.status_code) == (401, 401, 401)
    assert first.status_code == 200
    await slack_bot.slack.wait_for("chat.postMessage")
    assert len(slack_bot.slack.called("users.info")) == 1  # only the genuine one ran


async def test_a_retried_event_runs_once(slack_bot: SlackBot) -> None:
    await slack_bot.mention("<@UBOT> user adele.vance@contoso.com")
    await slack_bot.mention("<@UBOT> user adele.vance@contoso.com")
    await slack_bot.slack.wait_for("chat.postMessage")
    await slack_bot.server.work.drain(5)
    assert len(slack_bot.slack.called("chat.postMessage")) == 1


async def test_a_button_click_runs_its_follow_up_in_place_of_the_card(slack_bot: SlackBot) -> None:
    await slack_bot.command("user a")
    posted = (await slack_bot.slack.wait_for("chat.postMessage"))[0].args
    buttons = [
        element
        for block in posted["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    adele = next(b for b in buttons if b["text"]["text"] == "Adele Vance")
    assert adele["value"].startswith("f:") and "adele" not in adele["value"]
    await slack_bot.click(adele["value"])
    # The answer takes the clicked card's place (the click's response_url, replace_original).
    shown = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert shown["replace_original"] is True
    assert "Adele Vance (adele.vance@contoso.com)" in block_text(shown["blocks"])
    assert len(slack_bot.slack.called("chat.postMessage")) == 1


async def test_a_forged_or_foreign_click_changes_nothing(slack_bot: SlackBot) -> None:
    await slack_bot.click("f:made-up")
    await slack_bot.click("f:made-up-too", id=OUTSIDER, team_id="T0999")
    answers = await slack_bot.slack.wait_for("response_url", count=2)
    texts = " ".join(a.args["text"] for a in answers)
    assert "expired or is not Deskhand's" in texts
    assert "own" in texts
    assert slack_bot.slack.called("chat.postMessage") == []


async def test_a_request_replayed_to_another_replica_is_acked_but_runs_once(
    slack_bot: SlackBot,
) -> None:
    body = (
        "command=%2Fdeskhand&text=user+adele.vance%40contoso.com"
        "&team_id=T0001&user_id=U0TESS&channel_id=C0OPEN"
    )
    listener = Listener("127.0.0.1", 0, metrics_port=0)
    async with start_server(slack_bot.runtime, listener) as replica:
        now = int(time.time())
        first = await slack_bot.send(body, "application/x-www-form-urlencoded", timestamp=now)
        slack_bot.http.base_url = replica.url  # type: ignore[misc]
        second = await slack_bot.send(body, "application/x-www-form-urlencoded", timestamp=now)
        await slack_bot.slack.wait_for("chat.postMessage")
        await replica.work.drain(5)
    await slack_bot.server.work.drain(5)
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(slack_bot.slack.called("chat.postMessage")) == 1


async def test_when_the_backlog_is_full_the_ack_says_to_try_again(slack_bot: SlackBot) -> None:
    release = asyncio.Event()
    work = slack_bot.server.work
    while work.has_room:
        work.spawn(release.wait(), name="held")  # type: ignore[arg-type]
    response = await slack_bot.command("user adele.vance@contoso.com")
    release.set()
    assert response.status_code == 200
    assert BUSY in response.text
    await work.drain(5)
    assert slack_bot.slack.called("users.info") == []
