"""A deactivated Slack account stops acting: decisions ask Slack afresh, and Slack's
`user_change` event drops what was cached of the person."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.process.runtime import open_runtime
from bot.process.server import Listener, start_server
from bot.store.pending import ActionState
from bot.store.tables import pending_actions
from tests.fakes.slack_api import APPROVER, TOKEN, USERS, fake_slack
from tests.slack.conftest import SIGNING_SECRET, SlackBot, documented

LYNNE = "lynne.robbins@contoso.com"


@pytest.fixture
async def four_eyes_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackBot]:
    """Slack on the sandbox; /block needs an approver, and Ada (U0ADA) is one everywhere."""
    async with fake_slack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("DESKHAND_SLACK_API_URL", slack.api_url)
        settings = load_settings(
            home=tmp_path / "home",
            tenants={},
            grants=[{"who": "ada@msp.example", "tenant": "*", "roles": ["approver"]}],
            approvals={"policies": [{"command": "block", "approval": "four-eyes"}]},
        )
        listener = Listener("127.0.0.1", 0, metrics_port=0)
        async with (
            open_runtime(settings) as runtime,
            start_server(runtime, listener) as server,
            httpx.AsyncClient(base_url=server.url, timeout=10) as http,
        ):
            yield SlackBot(server, runtime, slack, http)


def deactivate(monkeypatch: pytest.MonkeyPatch, user: str) -> None:
    """What an admin's deactivation does to the account as `users.info` shows it."""
    monkeypatch.setitem(USERS, user, {**USERS[user], "deleted": True})


async def answers(bot: SlackBot, count: int) -> list[str]:
    """The texts sent to the clicks' and commands' response URLs, once `count` arrived."""
    calls = await bot.slack.wait_for("response_url", count=count)
    return [json.dumps(call.args, ensure_ascii=False) for call in calls]


async def awaiting_approval(bot: SlackBot) -> str:
    await bot.command(f"block {LYNNE} --tenant contoso")
    await bot.slack.wait_for("response_url")
    async with bot.runtime.store.engine.connect() as conn:
        action_id = str((await conn.execute(select(pending_actions.c.id))).scalar_one())
    await bot.click(f"a:{action_id}:confirm")
    await bot.slack.wait_for("response_url", count=2)
    return action_id


async def state_of(bot: SlackBot, action_id: str) -> ActionState:
    async with bot.runtime.store.engine.connect() as conn:
        query = select(pending_actions.c.state).where(pending_actions.c.id == action_id)
        return ActionState((await conn.execute(query)).scalar_one())


async def test_a_deactivated_approver_is_refused_though_slack_was_asked_minutes_ago(
    four_eyes_bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = four_eyes_bot
    action_id = await awaiting_approval(bot)
    await bot.command("tenants", user_id=APPROVER)  # Ada is known, and cached, as an approver
    await bot.slack.wait_for("chat.postMessage")
    assert await state_of(bot, action_id) is ActionState.AWAITING

    deactivate(monkeypatch, APPROVER)
    await bot.click(f"a:{action_id}:approve", id=APPROVER)
    refused = (await answers(bot, 3))[-1]
    await bot.server.work.drain(5)

    assert "Your Slack account is deactivated" in refused
    assert await state_of(bot, action_id) is ActionState.AWAITING


async def test_user_change_drops_the_cached_identity(
    slack_bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await slack_bot.command("tenants", user_id=APPROVER)
    await slack_bot.slack.wait_for("chat.postMessage")
    deactivate(monkeypatch, APPROVER)
    event = documented("user_change")
    event["event"]["user"].update(id=APPROVER, deleted=True)

    changed = await slack_bot.send(json.dumps(event), "application/json")
    await slack_bot.command("help", user_id=APPROVER)
    refused = (await answers(slack_bot, 1))[-1]

    assert changed.status_code == 200
    assert "Your Slack account is deactivated" in refused
    assert len(slack_bot.slack.called("users.info")) == 2
    assert len(slack_bot.slack.called("chat.postMessage")) == 1
