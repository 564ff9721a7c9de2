"""The server's own routes: health, readiness, metrics on their own listener, graceful stop."""

from __future__ import annotations

import asyncio

import httpx

from tests.slack.conftest import SlackBot


async def test_health_and_readiness(slack_bot: SlackBot) -> None:
    assert (await slack_bot.http.get("/healthz")).json() == {"status": "ok"}
    ready = await slack_bot.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "store": "ok", "slack": True, "teams": False}


async def test_metrics_are_served_only_on_their_own_listener(slack_bot: SlackBot) -> None:
    await slack_bot.command("user adele.vance@contoso.com")
    await slack_bot.slack.wait_for("chat.postMessage")
    assert (await slack_bot.http.get("/metrics")).status_code == 404
    async with httpx.AsyncClient() as client:
        text = (await client.get(slack_bot.server.metrics_url + "/metrics")).text
    assert 'deskhand_commands_total{command="user",outcome="ok"} 1.0' in text
    assert 'deskhand_http_requests_total{route="/slack/events",status="200"} 1.0' in text
    assert "deskhand_graph_calls_total" in text
    assert slack_bot.server.metrics_url.startswith("http://127.0.0.1:")


async def test_no_secret_reaches_the_metrics_or_the_readiness_answer(slack_bot: SlackBot) -> None:
    async with httpx.AsyncClient() as client:
        exposed = (await client.get(slack_bot.server.metrics_url + "/metrics")).text
    exposed += (await slack_bot.http.get("/readyz")).text
    assert "xoxb-" not in exposed
    assert "8f742231b10e" not in exposed


async def test_stopping_lets_work_in_flight_finish(slack_bot: SlackBot) -> None:
    finished = asyncio.Event()

    async def slow() -> None:
        await asyncio.sleep(0.2)
        finished.set()

    slack_bot.server.work.spawn(slow(), name="slow")
    await slack_bot.server.work.drain(5)
    assert finished.is_set()
