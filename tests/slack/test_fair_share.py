"""One person's flood of slash commands takes their share of the hand-off, not all of it:
past `slack.per_person_in_flight` their acks say "wait", and everyone else is still served."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.channels.slack import BUSY
from bot.config import load_settings
from bot.process.runtime import open_runtime
from bot.process.server import Listener, start_server
from tests.fakes.slack_api import APPROVER, TESS, TOKEN, fake_slack
from tests.slack.conftest import SIGNING_SECRET, SlackBot

SHARE = 2


@pytest.fixture
async def small_shares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackBot]:
    async with fake_slack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("DESKHAND_SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("DESKHAND_SLACK__PER_PERSON_IN_FLIGHT", str(SHARE))
        settings = load_settings(home=tmp_path / "home", tenants={})
        listener = Listener("127.0.0.1", 0, metrics_port=0)
        async with (
            open_runtime(settings) as runtime,
            start_server(runtime, listener) as server,
            httpx.AsyncClient(base_url=server.url, timeout=10) as http,
        ):
            yield SlackBot(server, runtime, slack, http)


async def test_a_flood_from_one_person_leaves_room_for_another(small_shares: SlackBot) -> None:
    bot = small_shares
    tess_is_slow = asyncio.Event()  # Slack does not say who Tess is until it is set
    bot.slack.holds[("users.info", TESS)] = tess_is_slow
    try:
        flood = [await bot.command(f"users --search t{n}") for n in range(12)]
        other = await bot.command("tenants", user_id=APPROVER)
        served = await bot.slack.wait_for("chat.postMessage")  # while Tess's still wait
        # Both accepted commands are asking who Tess is before she is let through, so neither
        # can find the answer the other cached (which would make the count below a race).
        await bot.slack.wait_for("users.info", SHARE, user=TESS)
    finally:
        tess_is_slow.set()
    await bot.server.work.drain(5)

    acks = [response.text for response in flood]
    waited = [text for text in acks if f"You have {SHARE} commands running" in text]
    assert all(response.status_code == 200 for response in [*flood, other])
    assert acks[:SHARE] == [""] * SHARE and len(waited) == len(flood) - SHARE
    assert other.text == "" and BUSY not in other.text
    assert served[0].args["channel"] == "C0OPEN" and "contoso" in str(served[0].args["blocks"])
    tess_asked = [c for c in bot.slack.called("users.info") if c.args["user"] == TESS]
    assert len(tess_asked) == SHARE  # only the accepted ones ran
