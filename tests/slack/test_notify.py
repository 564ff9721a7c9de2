"""SlackNotifier against the loopback Slack Web API: post, update, tell, and where a secret goes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.approvals.notify import Notifier, Posted
from bot.channels.slack_api import SlackApi
from bot.channels.slack_notify import SlackNotifier
from cards.reply import Button, Level, Notice, Reply, Text
from core.errors import DeliveryError
from tests.fakes.slack_api import APPROVER, LOCKED_CHANNEL, OPEN_CHANNEL, TESS, TOKEN, FakeSlack
from tests.fakes.slack_api import fake_slack as serve_fake_slack
from tests.slack.conftest import SlackBot

SECRET = "Xq7#pL2!vR9$wM4z"
APPROVAL = Reply(
    title="Approval needed: /block in contoso",
    blocks=(Text("Block sign-in for Lynne Robbins"),),
    buttons=(Button("Approve", "a:abc:approve", "primary"), Button("Deny", "a:abc:deny")),
    mentions=("ada@msp.example", "nobody@msp.example"),
)
OUTCOME = Reply(
    title="/reset-password in contoso: done",
    blocks=(Notice(Level.SUCCESS, "Password reset for Lynne Robbins."),),
    secret=SECRET,
    private=True,
)


@dataclass
class Waits:
    """A clock that moves only when slept on, and the sleeps asked for."""

    now: float = 100.0
    asked: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.now += seconds


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with serve_fake_slack() as slack:
        yield slack


@pytest.fixture
async def api(fake_slack: FakeSlack) -> AsyncIterator[SlackApi]:
    yield SlackApi(AsyncWebClient(token=TOKEN, base_url=fake_slack.api_url))


def where_secret_went(slack: FakeSlack) -> list[tuple[str, str, str]]:
    return [
        (call.method, str(call.args.get("channel")), str(call.args.get("user", "")))
        for call in slack.calls
        if SECRET in json.dumps(call.args)
    ]


async def test_post_puts_the_card_in_the_channel_mentioning_approvers(
    fake_slack: FakeSlack, api: SlackApi
) -> None:
    notifier: Notifier = SlackNotifier(api, spacing=0)
    posted = await notifier.post(OPEN_CHANNEL, APPROVAL)
    call = fake_slack.called("chat.postMessage")[0].args
    assert call["channel"] == OPEN_CHANNEL
    assert call["blocks"][0]["text"]["text"] == f"<@{APPROVER}> nobody@msp.example"
    assert [e["value"] for e in call["blocks"][-1]["elements"]] == ["a:abc:approve", "a:abc:deny"]
    assert posted.channel == "slack"
    assert posted.address["channel"] == OPEN_CHANNEL and posted.address["ts"].startswith("17")
    assert fake_slack.called("users.lookupByEmail")[0].args["email"] == "ada@msp.example"


async def test_approvers_are_looked_up_once_while_remembered(
    fake_slack: FakeSlack, api: SlackApi
) -> None:
    notifier = SlackNotifier(api, spacing=0)
    await notifier.post(OPEN_CHANNEL, APPROVAL)
    await notifier.post(OPEN_CHANNEL, APPROVAL)
    assert len(fake_slack.called("users.lookupByEmail")) == 2  # two people, once each


async def test_update_edits_the_posted_message(fake_slack: FakeSlack, api: SlackApi) -> None:
    notifier = SlackNotifier(api, spacing=0)
    posted = await notifier.post(OPEN_CHANNEL, APPROVAL)
    await notifier.update(posted, Reply(title="/block in contoso: done"))
    call = fake_slack.called("chat.update")[0].args
    assert (call["channel"], call["ts"]) == (posted.address["channel"], posted.address["ts"])
    assert "done" in call["text"]
    assert "actions" not in json.dumps(call["blocks"])  # the buttons are gone


async def test_update_is_retried_after_slack_says_ratelimited(
    fake_slack: FakeSlack, api: SlackApi
) -> None:
    waits = Waits()
    api = SlackApi(api.client, sleep=waits.sleep)
    notifier = SlackNotifier(api, spacing=0, sleep=waits.sleep, clock=waits.clock)
    fake_slack.rate_limited["chat.update"] = 1
    await notifier.update(Posted("slack", {"channel": OPEN_CHANNEL, "ts": "1.2"}), OUTCOME)
    assert len(fake_slack.called("chat.update")) == 2
    assert waits.asked == [0.0]  # the Retry-After the fake sent


async def test_writes_to_one_channel_are_a_second_apart(
    fake_slack: FakeSlack, api: SlackApi
) -> None:
    waits = Waits()
    notifier = SlackNotifier(api, sleep=waits.sleep, clock=waits.clock)
    first = Posted("slack", {"channel": OPEN_CHANNEL, "ts": "1.2"})
    elsewhere = Posted("slack", {"channel": "C0OTHER", "ts": "1.3"})
    await notifier.update(first, APPROVAL)
    await notifier.update(elsewhere, APPROVAL)
    await notifier.update(first, APPROVAL)
    assert waits.asked == [1.0]  # only the second write to the same channel waited


async def test_a_message_slack_cannot_update_is_a_delivery_error(
    api: SlackApi,
) -> None:
    notifier = SlackNotifier(api, spacing=0)
    with pytest.raises(DeliveryError):
        await notifier.update(Posted("slack", {"channel": OPEN_CHANNEL}), APPROVAL)


async def test_post_never_carries_a_secret(fake_slack: FakeSlack, api: SlackApi) -> None:
    await SlackNotifier(api, spacing=0).post(OPEN_CHANNEL, OUTCOME)
    assert where_secret_went(fake_slack) == []


async def test_tell_is_ephemeral_to_the_requester_in_their_thread(
    fake_slack: FakeSlack, api: SlackApi
) -> None:
    address = {"team": "T0001", "user": TESS, "channel": OPEN_CHANNEL, "thread_ts": "9.1"}
    await SlackNotifier(api, spacing=0).tell(address, OUTCOME)
    calls = fake_slack.called("chat.postEphemeral")
    assert [(c.args["channel"], c.args["user"], c.args["thread_ts"]) for c in calls] == [
        (OPEN_CHANNEL, TESS, "9.1"),
        (OPEN_CHANNEL, TESS, "9.1"),
    ]
    assert "Password reset" in json.dumps(calls[0].args["blocks"])
    assert where_secret_went(fake_slack) == [("chat.postEphemeral", OPEN_CHANNEL, TESS)]
    assert fake_slack.called("chat.postMessage") == []


async def test_tell_falls_back_to_direct_messages_with_the_secret_still_ephemeral(
    fake_slack: FakeSlack, api: SlackApi
) -> None:
    address = {"team": "T0001", "user": TESS, "channel": LOCKED_CHANNEL}
    await SlackNotifier(api, spacing=0).tell(address, OUTCOME)
    direct = f"D{TESS}"
    posted = fake_slack.called("chat.postMessage")
    assert [p.args["channel"] for p in posted] == [direct]
    assert "Password reset" in json.dumps(posted[0].args["blocks"])
    assert where_secret_went(fake_slack) == [("chat.postEphemeral", direct, TESS)]


async def test_tell_without_a_channel_uses_direct_messages(
    fake_slack: FakeSlack, api: SlackApi
) -> None:
    await SlackNotifier(api, spacing=0).tell({"user": TESS}, OUTCOME)
    assert fake_slack.called("conversations.open")[0].args["users"] == TESS
    assert where_secret_went(fake_slack) == [("chat.postEphemeral", f"D{TESS}", TESS)]


async def test_a_secret_that_cannot_be_shown_privately_is_not_shown_at_all(
    fake_slack: FakeSlack, api: SlackApi
) -> None:
    fake_slack.rate_limited["chat.postEphemeral"] = 99  # never succeeds
    address = {"user": TESS, "channel": OPEN_CHANNEL}
    waits = Waits()
    notifier = SlackNotifier(api, spacing=0, sleep=waits.sleep, clock=waits.clock)
    await notifier.tell(address, OUTCOME)
    assert all(method == "chat.postEphemeral" for method, _, _ in where_secret_went(fake_slack))
    said = [c.args.get("text", "") for c in fake_slack.called("chat.postMessage")]
    assert any("not shown at all" in text for text in said)


async def test_the_server_registers_its_slack_notifier_while_it_runs(slack_bot: SlackBot) -> None:
    notifier = slack_bot.runtime.notifiers.get("slack")
    assert isinstance(notifier, SlackNotifier)
    posted = await notifier.post(OPEN_CHANNEL, APPROVAL)
    assert slack_bot.slack.called("chat.postMessage")[0].args["channel"] == OPEN_CHANNEL
    assert posted.address["channel"] == OPEN_CHANNEL
