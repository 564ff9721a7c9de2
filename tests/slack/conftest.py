"""A whole Deskhand serving Slack on loopback: sandbox tenants, SQLite, a fake Slack Web API."""

from __future__ import annotations

import copy
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.config import load_settings
from bot.process.runtime import Runtime, open_runtime
from bot.process.server import Listener, RunningServer, start_server
from tests.fakes.slack_api import TOKEN, FakeSlack, fake_slack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"


def documented(name: str) -> dict[str, Any]:
    """A payload copied from Slack's documentation (see the fixture's `source`)."""
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text())["payload"])


@dataclass
class SlackBot:
    server: RunningServer
    runtime: Runtime
    slack: FakeSlack
    http: httpx.AsyncClient

    async def send(
        self, body: str, content_type: str, *, timestamp: int | None = None, secret: str = ""
    ) -> httpx.Response:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret or SIGNING_SECRET).generate_signature(
            timestamp=stamp, body=body
        )
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        return await self.http.post("/slack/events", content=body, headers=headers)

    async def command(self, text: str, **fields: str) -> httpx.Response:
        payload = documented("slash_command")
        payload.update(text=text, response_url=self.slack.response_url("command"), **fields)
        return await self.send(urllib.parse.urlencode(payload), "application/x-www-form-urlencoded")

    async def mention(self, text: str, **event: str) -> httpx.Response:
        payload = documented("app_mention")
        payload["event"].update(text=text, **event)
        return await self.send(json.dumps(payload), "application/json")

    async def click(
        self,
        value: str,
        *,
        container: dict[str, Any] | None = None,
        response_url: bool = True,
        **user: str,
    ) -> httpx.Response:
        payload = documented("block_actions")
        payload["actions"][0].update(action_id="deskhand:1", value=value)
        payload["user"].update(user)
        payload["container"].update(container or {})
        if payload["container"]["is_ephemeral"]:
            # Slack sends no `message` for a click on an ephemeral message.
            payload.pop("message")
        payload["channel"]["id"] = payload["container"]["channel_id"]
        payload["response_url"] = self.slack.response_url("click") if response_url else ""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded")

    async def submit(
        self, form_id: str, values: dict[str, Any], private_metadata: str
    ) -> httpx.Response:
        """A modal's submission; `values` is `view.state.values` as Slack sends it."""
        payload = documented("view_submission")
        payload["view"].update(
            callback_id=f"deskhand-form:{form_id}",
            private_metadata=private_metadata,
            state={"values": values},
        )
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded")


@pytest.fixture
async def slack_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackBot]:
    async with fake_slack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("DESKHAND_SLACK_API_URL", slack.api_url)
        settings = load_settings(home=tmp_path / "home", tenants={})
        listener = Listener("127.0.0.1", 0, metrics_port=0)
        async with (
            open_runtime(settings) as runtime,
            start_server(runtime, listener) as server,
            httpx.AsyncClient(base_url=server.url, timeout=10) as http,
        ):
            yield SlackBot(server, runtime, slack, http)
