"""Slack's commands served by a worker process of `deskhand serve` (`Listener.workers`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.config import load_settings
from bot.process.runtime import open_runtime
from bot.process.server import Listener, start_server
from tests.fakes.slack_api import TOKEN, fake_slack
from tests.slack.conftest import SIGNING_SECRET, SlackBot


@pytest.fixture
async def slack_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackBot]:
    async with fake_slack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("DESKHAND_SLACK_API_URL", slack.api_url)
        settings = load_settings(home=tmp_path / "home", tenants={})
        listener = Listener("127.0.0.1", 0, metrics_port=0, workers=1)
        async with (
            open_runtime(settings) as runtime,
            start_server(runtime, listener) as server,
            httpx.AsyncClient(base_url=server.url, timeout=10) as http,
        ):
            yield SlackBot(server, runtime, slack, http)


async def test_a_slash_command_is_answered_by_a_worker_process(slack_bot: SlackBot) -> None:
    response = await slack_bot.command("user adele.vance@contoso.com")
    assert response.status_code == 200
    posted = (await slack_bot.slack.wait_for("chat.postMessage"))[0].args
    assert "Adele Vance" in str(posted["blocks"])
    assert slack_bot.server.work.running == 0
    assert slack_bot.server.workers is not None


async def test_the_workers_command_counts_show_in_the_servers_metrics(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command("user adele.vance@contoso.com")
    await slack_bot.slack.wait_for("chat.postMessage")
    async with httpx.AsyncClient() as client:
        text = (await client.get(slack_bot.server.metrics_url + "/metrics")).text
    assert 'deskhand_commands_total{command="user",outcome="ok"} 1.0' in text
    assert 'deskhand_http_requests_total{route="/slack/events",status="200"} 1.0' in text
    assert "deskhand_graph_calls_total" in text


async def test_a_retried_event_runs_once_across_worker_processes(slack_bot: SlackBot) -> None:
    await slack_bot.mention("<@UBOT> user adele.vance@contoso.com")
    await slack_bot.mention("<@UBOT> user adele.vance@contoso.com")
    await slack_bot.slack.wait_for("chat.postMessage")
    assert slack_bot.server.workers is not None
    await slack_bot.server.workers.drain(10)
    assert len(slack_bot.slack.called("chat.postMessage")) == 1
