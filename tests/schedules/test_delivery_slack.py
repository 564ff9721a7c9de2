"""Digests in Slack against the loopback Slack Web API: the message carries the mark in its
metadata, the chart lands in the same channel, and history finds the mark again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_api import SlackApi
from bot.channels.slack_digests import SlackDigests
from bot.channels.slack_mentions import SlackMentions
from bot.channels.slack_notify import SlackNotifier
from bot.schedules.delivery import Found
from bot.schedules.recipients import parse_recipient
from cards.reply import File, Reply, Text
from core.errors import DeliveryError
from tests.fakes.slack_api import OPEN_CHANNEL, TESS, TOKEN, FakeSlack, fake_slack

CHART = File("mfa-contoso.png", "image/png", b"\x89PNG chart")
DIGEST = Reply(title="MFA digest: contoso", blocks=(Text("94% covered"),), files=(CHART,))
MARK = "sched-1:2026-03-02T08:00:00+01:00:#helpdesk"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with fake_slack() as served:
        yield served


@pytest.fixture
def digests(slack: FakeSlack) -> SlackDigests:
    api = SlackApi(AsyncWebClient(token=TOKEN, base_url=slack.api_url))
    mentions = SlackMentions(api)
    return SlackDigests(SlackNotifier(api, mentions=mentions, spacing=0))


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


async def test_a_digest_to_a_channel_by_name_carries_the_mark_and_its_chart_goes_there_too(
    slack: FakeSlack, digests: SlackDigests
) -> None:
    ref = await digests.send(parse_recipient("#helpdesk"), DIGEST, MARK)
    (post,) = slack.called("chat.postMessage")
    assert post.args["channel"] == OPEN_CHANNEL
    assert post.args["metadata"] == {
        "event_type": "deskhand_digest",
        "event_payload": {"mark": MARK},
    }
    (complete,) = slack.called("files.completeUploadExternal")
    assert complete.args["channel_id"] == OPEN_CHANNEL
    assert json.loads(complete.args["files"])[0]["title"] == "mfa-contoso.png"
    assert list(slack.uploads.values()) == [CHART.content]
    assert ref == {"channel": OPEN_CHANNEL, "ts": post_ts(slack)}


def post_ts(slack: FakeSlack) -> str:
    return str(slack.history[OPEN_CHANNEL][-1]["ts"])


async def test_channel_names_are_listed_once_and_kept(
    slack: FakeSlack, digests: SlackDigests
) -> None:
    await digests.send(parse_recipient("#helpdesk"), DIGEST, MARK)
    await digests.send(parse_recipient("#helpdesk"), DIGEST, MARK + "-2")
    assert len(slack.called("conversations.list")) == 1


async def test_find_says_not_sent_before_and_sent_after_the_send(
    slack: FakeSlack, digests: SlackDigests
) -> None:
    recipient = parse_recipient(f"slack:{OPEN_CHANNEL}")
    since = a_minute_ago()
    assert await digests.find(recipient, MARK, since) is Found.NOT_SENT
    await digests.send(recipient, DIGEST, MARK)
    assert await digests.find(recipient, MARK, since) is Found.SENT
    assert await digests.find(recipient, "another-slot", since) is Found.NOT_SENT
    (history, *_) = slack.called("conversations.history")
    assert history.args["include_all_metadata"] == "true"


async def test_a_message_older_than_the_send_does_not_count(
    slack: FakeSlack, digests: SlackDigests
) -> None:
    recipient = parse_recipient(f"slack:{OPEN_CHANNEL}")
    await digests.send(recipient, DIGEST, MARK)
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert await digests.find(recipient, MARK, later) is Found.NOT_SENT


async def test_a_dm_by_e_mail_goes_to_the_person_s_direct_messages(
    slack: FakeSlack, digests: SlackDigests
) -> None:
    recipient = parse_recipient("slack:@tess@msp.example")
    since = a_minute_ago()
    ref = await digests.send(recipient, DIGEST, MARK)
    assert ref["channel"] == f"D{TESS}"
    assert await digests.find(recipient, MARK, since) is Found.SENT


async def test_an_unknown_channel_or_person_is_a_delivery_error_and_find_is_unknown(
    digests: SlackDigests,
) -> None:
    with pytest.raises(DeliveryError, match="no Slack channel #nope"):
        await digests.send(parse_recipient("#nope"), DIGEST, MARK)
    with pytest.raises(DeliveryError, match="no member"):
        await digests.send(parse_recipient("slack:@nobody@msp.example"), DIGEST, MARK)
    assert await digests.find(parse_recipient("#nope"), MARK, a_minute_ago()) is Found.UNKNOWN


async def test_a_history_error_is_unknown(slack: FakeSlack, digests: SlackDigests) -> None:
    slack.answers["conversations.history"] = lambda: web.json_response(
        {"ok": False, "error": "missing_scope"}
    )
    recipient = parse_recipient(f"slack:{OPEN_CHANNEL}")
    assert await digests.find(recipient, MARK, a_minute_ago()) is Found.UNKNOWN
