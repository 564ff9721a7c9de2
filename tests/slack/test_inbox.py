"""The inbox over the running server: an answered request leaves nothing; one the process died
holding (its hand-off never ran it) is told to its person at the next start, once."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_api import SlackApi
from bot.channels.slack_notify import SlackNotifier
from bot.config import load_settings
from bot.process import handoff
from bot.process.lost_work import tell_lost
from bot.process.runtime import open_runtime
from bot.process.server import Listener, start_server
from bot.process.tasks import WorkGroup
from bot.store import Store, open_store
from bot.store.inbox import InboxEntry, unanswered
from cards.reply import Reply
from tests.fakes.slack_api import OPEN_CHANNEL, TESS, TOKEN, FakeSlack, fake_slack
from tests.slack.conftest import SIGNING_SECRET, SlackBot

OWNER = "replica-1"
LOST_WORDS = "restarted before answering"


class NeverServes:
    """A hand-off that takes requests and never serves them: the process died after the ack."""

    def __init__(self, work: WorkGroup, serve: handoff.Serve, *, name: str) -> None:
        self.taken: list[str] = []

    has_room = True
    running = 0

    def submit(
        self,
        payload: str,
        done: Callable[[], None] | None = None,
        *,
        ready: asyncio.Future[None] | None = None,
    ) -> None:
        self.taken.append(payload)

    def broadcast(self, payload: str) -> None:
        pass

    async def drain(self, grace: float) -> None:
        pass


@asynccontextmanager
async def serving(home: Path, slack: FakeSlack) -> AsyncIterator[SlackBot]:
    """A whole Deskhand on `home`'s store, owning its inbox rows as `OWNER`."""
    settings = load_settings(home=home, tenants={})
    listener = Listener("127.0.0.1", 0, metrics_port=0)
    async with (
        open_runtime(settings) as runtime,
        start_server(runtime, listener) as server,
        httpx.AsyncClient(base_url=server.url, timeout=10) as http,
    ):
        yield SlackBot(server, runtime, slack, http)


@pytest.fixture
async def slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    async with fake_slack() as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("DESKHAND_SLACK_API_URL", fake.api_url)
        monkeypatch.setenv("DESKHAND_EXECUTOR_ID", OWNER)
        yield fake


async def rows(store: Store, owner: str = OWNER) -> list[InboxEntry]:
    async with store.engine.connect() as conn:
        return await unanswered(conn, owner)


async def settled(bot: SlackBot) -> None:
    """The work in flight has finished and the inbox has written what it queued."""
    await bot.server.work.drain(10)
    await bot.runtime.inbox.close()


def lost_messages(slack: FakeSlack) -> list[str]:
    return [c.args["text"] for c in slack.called("response_url") if LOST_WORDS in c.args["text"]]


async def test_an_answered_request_leaves_no_row(slack_bot: SlackBot) -> None:
    await slack_bot.command("user adele.vance@contoso.com")
    await slack_bot.slack.wait_for("chat.postMessage")
    await settled(slack_bot)
    async with slack_bot.runtime.store.engine.connect() as conn:
        assert await unanswered(conn, slack_bot.runtime.inbox.owner) == []


async def test_a_request_never_answered_is_told_at_the_next_start_once(
    tmp_path: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = handoff.InProcess
    monkeypatch.setattr("bot.channels.slack.InProcess", NeverServes)
    async with serving(tmp_path, slack) as bot:
        answer = await bot.command("users --tenant contoso")
        assert answer.status_code == 200
    async with await _store(bot) as store:
        [row] = await rows(store)
    assert (row.summary, row.person, row.person_name) == (
        "/users --tenant contoso",
        f"T0001:{TESS}",
        "Steve",
    )
    assert row.return_address["response_url"] == slack.response_url("command")
    assert slack.called("response_url") == []  # nobody was told anything yet

    monkeypatch.setattr("bot.channels.slack.InProcess", real)
    async with serving(tmp_path, slack) as bot:
        await slack.wait_for("response_url")
        assert await tell_lost(bot.runtime.store, bot.runtime.notifiers, OWNER) == 0
        assert await rows(bot.runtime.store) == []
    sent = row.received_at.strftime("%H:%M")
    assert lost_messages(slack) == [
        f"Deskhand restarted before answering `/users --tenant contoso` (sent {sent} UTC); "
        "nothing was changed by it: send it again."
    ]
    [told] = slack.called("response_url")
    assert told.args["response_type"] == "ephemeral"


async def test_a_command_with_a_secret_is_recorded_without_it(
    tmp_path: Path, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.channels.slack.InProcess", NeverServes)
    async with serving(tmp_path, slack) as bot:
        await bot.command("reset-password lynne --password Hunter2x!Hunter2x --tenant contoso")
    async with await _store(bot) as store:
        [row] = await rows(store)
    assert row.summary == "/reset-password"
    assert "Hunter2x" not in json.dumps([row.summary, row.person_name, dict(row.return_address)])


async def test_a_response_url_past_its_thirty_minutes_is_not_used(slack: FakeSlack) -> None:
    api = SlackApi(AsyncWebClient(token=TOKEN, base_url=slack.api_url))
    address = {
        "user": TESS,
        "channel": OPEN_CHANNEL,
        "response_url": slack.response_url("command"),
        "response_url_until": str(int(time.time()) + 1800),
    }
    fresh = SlackNotifier(api, spacing=0)
    stale = SlackNotifier(api, spacing=0, wall_clock=lambda: time.time() + 1801)
    await fresh.tell(address, Reply(title="fresh"))
    await stale.tell(address, Reply(title="stale"))
    assert [c.method for c in slack.calls] == ["response_url", "chat.postEphemeral"]
    assert slack.calls[1].args["user"] == TESS


async def _store(bot: SlackBot) -> Store:
    """The closed server's store, opened again to read what it left."""
    return await open_store(bot.runtime.settings.store_url)
