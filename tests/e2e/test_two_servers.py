"""Two `deskhand serve` processes on one PostgreSQL database: one approval, clicked on both at
once, blocks the user once.

The two servers are real subprocesses (each with its Slack worker process) on ephemeral
loopback ports, ready when /readyz says so. They reach the sandbox Microsoft 365 as a
configured tenant over HTTPS; the sandbox runs in this process so its request log can be read.
Slack's Web API is the loopback fake. The two approve clicks are distinct deliveries (own
trigger ids, own signatures), so the delivery dedupe cannot hide the race: only the pending
action's compare-and-set stands between them and a second PATCH.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from sandbox import Sandbox, SandboxOptions, start_sandbox
from tests.e2e.serve_process import serving
from tests.e2e.slack_requests import button_in, click_payload, send_signed
from tests.fakes.slack_api import APPROVER, OPEN_CHANNEL, TESS, TOKEN, FakeSlack, fake_slack
from tests.plugins.store import postgres_server_url
from tests.slack.conftest import SIGNING_SECRET, documented

pytestmark = pytest.mark.postgres

LYNNE = "lynne.robbins@contoso.com"
START_LIMIT = 60.0
"""Seconds a server may take to be ready: a cold interpreter, migrations, the worker."""
FLOW_LIMIT = 30.0


def _toml(store_url: str, sandbox: Sandbox) -> str:
    tenant = sandbox.tenant("contoso")
    return f"""
store_url = "{store_url}"
graph_host = "{sandbox.url}"
login_host = "{sandbox.url}"
ca_bundle = "{sandbox.ca_file}"

[tenants.contoso]
tenant_id = "{tenant.tenant_id}"
domain = "{tenant.domain}"
client_id = "{tenant.client_id}"
client_secret_env = "CONTOSO_CLIENT_SECRET"

[[grants]]
who = "tess@msp.example"
tenant = "*"
roles = ["technician"]

[[grants]]
who = "ada@msp.example"
tenant = "*"
roles = ["approver"]

[[approvals.policies]]
command = "block"
approval = "four-eyes"
reason = true

[approvals.tenants.contoso]
slack_channel = "{OPEN_CHANNEL}"
approvers = ["ada@msp.example"]
"""


@asynccontextmanager
async def _serve(
    home: Path, slack: FakeSlack, secret: str, http: httpx.AsyncClient
) -> AsyncIterator[str]:
    """`deskhand serve` in a process of its own on an ephemeral port; yields its URL once
    /readyz answers that the store and Slack are ready."""
    environment = {
        **os.environ,
        "DESKHAND_HOME": str(home),
        "DESKHAND_CONFIG": str(home / "deskhand.toml"),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DESKHAND_SLACK_API_URL": slack.api_url,
        "CONTOSO_CLIENT_SECRET": secret,
    }
    async with serving(http, environment, START_LIMIT) as (_, url):
        yield url


async def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        return await (await conn.execute(query)).fetchall()


async def _settled(url: str) -> str:
    async with asyncio.timeout(FLOW_LIMIT):
        while True:
            [(state,)] = await _rows(url, "SELECT state FROM pending_actions")
            if state in ("done", "failed"):
                return str(state)
            await asyncio.sleep(0.05)


async def test_one_approval_sent_to_two_servers_blocks_the_user_once(
    tmp_path: Path, postgres_url: str
) -> None:
    postgres_server_url()  # skips, saying why, when PostgreSQL is not configured
    async with AsyncExitStack() as stack:
        slack = await stack.enter_async_context(fake_slack())
        sandbox = await stack.enter_async_context(start_sandbox(SandboxOptions()))
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=20))
        secret = sandbox.tenant("contoso").client_secret
        homes = [tmp_path / "a", tmp_path / "b"]
        for home in homes:
            home.mkdir()
            (home / "deskhand.toml").write_text(_toml(postgres_url, sandbox))
        first, second = await asyncio.gather(
            *(stack.enter_async_context(_serve(home, slack, secret, http)) for home in homes)
        )
        uid = sandbox.tenant("contoso").directory.upn_index[LYNNE]

        command = documented("slash_command")
        command.update(
            text=f"block {LYNNE} --reason T-1", user_id=TESS, response_url=slack.response_url("c")
        )
        assert await send_signed(http, first, command) == 200
        [card] = await slack.wait_for("response_url", within=FLOW_LIMIT)
        confirm = button_in(card.args, "confirm")
        assert (
            await send_signed(http, first, click_payload(slack, confirm, TESS, "t-confirm")) == 200
        )
        [approval] = await slack.wait_for("chat.postMessage", within=FLOW_LIMIT)
        assert approval.args["channel"] == OPEN_CHANNEL
        approve = button_in(approval.args, "approve")

        statuses = await asyncio.gather(
            send_signed(http, first, click_payload(slack, approve, APPROVER, "t-approve-a")),
            send_signed(http, second, click_payload(slack, approve, APPROVER, "t-approve-b")),
        )
        assert list(statuses) == [200, 200]
        assert await _settled(postgres_url) == "done"
        await slack.wait_for("response_url", count=4, within=FLOW_LIMIT)  # both answered

    patches = [
        (r.path, r.body, r.status)
        for r in sandbox.requests
        if r.method == "PATCH" and r.path.startswith("/v1.0/users/")
    ]
    assert patches == [(f"/v1.0/users/{uid}", {"accountEnabled": False}, 204)]
    revokes = [r for r in sandbox.requests if r.path.endswith("/revokeSignInSessions")]
    assert len(revokes) == 1
    assert not sandbox.tenant("contoso").directory.users[uid].account_enabled
    outcomes = await _rows(
        postgres_url,
        "SELECT outcome, graph_request_ids FROM audit_log WHERE command = 'block' "
        "AND detail LIKE 'action %' ORDER BY id",
    )
    assert [outcome for outcome, _ in outcomes] == ["proposed", "confirmed", "approved", "done"]
    [ids] = [ids for outcome, ids in outcomes if outcome == "done"]
    writes = [r for r in sandbox.requests if r.method in ("PATCH", "POST") and "/users/" in r.path]
    assert [entry["request_id"] for entry in ids] == [r.request_id for r in writes]
