"""SlackApi against the loopback Slack Web API: every failure is one of Deskhand's errors, and
transient ones are tried again with the project's retry policy."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_api import SlackApi
from core.errors import AuthFailed, Rejected, Throttled, Unavailable
from integrations.outbound.retry import RetryPolicy
from tests.fakes.slack_api import OPEN_CHANNEL, TESS, TOKEN, FakeSlack, fake_slack

QUICK = RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with fake_slack() as served:
        yield served


@pytest.fixture
def api(slack: FakeSlack) -> SlackApi:
    return SlackApi(AsyncWebClient(token=TOKEN, base_url=slack.api_url), policy=QUICK)


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """A loopback port bound but not listening: connections to it are refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}/api/"


def failing(status: int, body: str, content_type: str = "application/json") -> web.Response:
    return web.Response(status=status, text=body, content_type=content_type)


async def test_a_read_sends_its_arguments_and_returns_slacks_answer(
    api: SlackApi, slack: FakeSlack
) -> None:
    answer = await api.read("users.info", user=TESS)
    assert answer["user"]["id"] == TESS
    assert slack.called("users.info")[0].args == {"user": TESS}


async def test_ratelimited_is_tried_again_after_retry_after(
    api: SlackApi, slack: FakeSlack
) -> None:
    slack.rate_limited["chat.postMessage"] = 2
    answer = await api.write("chat.postMessage", channel=OPEN_CHANNEL, text="hi")
    assert answer["ok"] is True
    assert len(slack.called("chat.postMessage")) == 3


async def test_ratelimited_past_the_budget_is_throttled(api: SlackApi, slack: FakeSlack) -> None:
    slack.rate_limited["users.info"] = 99
    with pytest.raises(Throttled) as raised:
        await api.read("users.info", user=TESS)
    assert raised.value.service == "Slack" and raised.value.code == "ratelimited"
    assert len(slack.called("users.info")) == QUICK.max_attempts


async def test_a_read_is_tried_again_after_a_server_error(api: SlackApi, slack: FakeSlack) -> None:
    def once() -> web.Response:
        del slack.answers["conversations.info"]  # the next call is answered as documented
        return failing(503, "<html>down</html>", "text/html")

    slack.answers["conversations.info"] = once
    answer = await api.read("conversations.info", channel=OPEN_CHANNEL)
    assert answer["channel"]["id"] == OPEN_CHANNEL
    assert len(slack.called("conversations.info")) == 2


async def test_a_write_is_not_tried_again_after_a_server_error(
    api: SlackApi, slack: FakeSlack
) -> None:
    # Slack may have posted it: a second try could show the message twice.
    slack.answers["chat.postMessage"] = lambda: failing(
        500, '{"ok": false, "error": "fatal_error"}'
    )
    with pytest.raises(Unavailable) as raised:
        await api.write("chat.postMessage", channel=OPEN_CHANNEL, text="hi")
    assert raised.value.code == "fatal_error" and raised.value.status == 500
    assert len(slack.called("chat.postMessage")) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html>proxy error</html>", "text/html"),
        ("[1, 2]", "application/json"),
        ("{", "application/json"),
    ],
)
async def test_an_answer_that_is_not_slacks_json_is_unavailable(
    api: SlackApi, slack: FakeSlack, body: str, content_type: str
) -> None:
    slack.answers["users.info"] = lambda: failing(200, body, content_type)
    with pytest.raises(Unavailable) as raised:
        await api.read("users.info", user=TESS)
    assert raised.value.code == "unexpected_answer"


async def test_ok_false_is_rejected_with_slacks_code(api: SlackApi) -> None:
    with pytest.raises(Rejected) as raised:
        await api.read("users.info", user="U0NOBODY")
    assert raised.value.code == "user_not_found"
    assert "users.info" in raised.value.message


async def test_a_refused_token_is_an_auth_failure(api: SlackApi, slack: FakeSlack) -> None:
    slack.answers["auth.test"] = lambda: failing(200, '{"ok": false, "error": "invalid_auth"}')
    with pytest.raises(AuthFailed) as raised:
        await api.read("auth.test")
    assert raised.value.code == "invalid_auth"


async def test_an_unreachable_slack_is_unavailable_after_the_policys_tries(
    refusing_url: str,
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    api = SlackApi(AsyncWebClient(token=TOKEN, base_url=refusing_url), policy=QUICK, sleep=sleep)
    with pytest.raises(Unavailable) as raised:
        await api.write("chat.postMessage", channel=OPEN_CHANNEL, text="hi")
    assert raised.value.host.startswith("127.0.0.1:")
    assert len(waits) == QUICK.max_attempts - 1  # the connection was never made: safe to retry


async def test_a_direct_channel_without_an_id_is_unavailable(
    api: SlackApi, slack: FakeSlack
) -> None:
    slack.answers["conversations.open"] = lambda: failing(200, '{"ok": true, "channel": {}}')
    with pytest.raises(Unavailable):
        await api.direct_channel(TESS)
