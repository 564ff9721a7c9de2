"""A whole Deskhand serving Teams on loopback: sandbox tenants, SQLite, a fake channel service."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from microsoft_agents.hosting.core import OutboundHostValidator
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, ConnectionManager

from bot.channels.teams import TeamsOutbound
from bot.config import load_settings
from bot.process.runtime import Runtime, open_runtime
from bot.process.server import Listener, RunningServer, start_server
from tests.fakes.bot_connector import (
    BOT_APP_ID,
    HOME_TENANT,
    FakeConnector,
    FixedTokenProvider,
    fake_connector,
    keys_served_by,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "teams"


def documented(name: str) -> dict[str, Any]:
    """An activity copied from Microsoft's documentation (see the fixture's `source`)."""
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text())["payload"])


@dataclass
class TeamsBot:
    server: RunningServer
    runtime: Runtime
    connector: FakeConnector
    http: httpx.AsyncClient

    async def post(self, activity: dict[str, Any], token: str | None = None) -> httpx.Response:
        activity["serviceUrl"] = self.connector.url + "/"
        headers = {"Authorization": f"Bearer {token or self.connector.token()}"}
        return await self.http.post("/api/messages", json=activity, headers=headers)

    async def say(self, text: str, **conversation: str) -> httpx.Response:
        activity = documented("message")
        activity["text"] = f"<at>Deskhand</at> {text}"
        activity["conversation"].update(conversation)
        return await self.post(activity)


@pytest.fixture
async def teams_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TeamsBot]:
    monkeypatch.setenv("MICROSOFT_APP_ID", BOT_APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_TENANTID", HOME_TENANT)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "not-used-by-the-fixed-token-provider")
    settings = load_settings(home=tmp_path / "home", tenants={})
    configuration = AgentAuthConfiguration(client_id=BOT_APP_ID, tenant_id=HOME_TENANT)
    calls = TeamsOutbound(
        ConnectionManager(
            provider_factory=FixedTokenProvider,
            connections_configurations={"SERVICE_CONNECTION": configuration},
        ),
        # The production check allows only Microsoft's HTTPS hosts, never loopback: off here.
        OutboundHostValidator(enabled=False),
    )
    listener = Listener("127.0.0.1", 0, metrics_port=0)
    async with fake_connector() as connector:
        with keys_served_by(connector):
            async with (
                open_runtime(settings) as runtime,
                start_server(runtime, listener, teams_calls=calls) as server,
                httpx.AsyncClient(base_url=server.url, timeout=10) as http,
            ):
                yield TeamsBot(server, runtime, connector, http)
