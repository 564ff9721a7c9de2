"""Two `deskhand serve` processes on one PostgreSQL database: the same approval, clicked on
both at once, runs once.

Everything is real and on loopback: the sandbox Microsoft 365 in its own process (reached as a
configured tenant), two server processes (each with its Slack worker process), the Slack Web
API fake in this process, PostgreSQL in a fresh schema. The two approve clicks are distinct
deliveries (different trigger ids and signatures), so the delivery dedupe cannot hide the
race: only the pending action's compare-and-set stands between them and a second run.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from slack_sdk.signature import SignatureVerifier

from bench.sandbox_process import SandboxProcess, sandbox_process, stop_process
from tests.fakes.slack_api import APPROVER, OPEN_CHANNEL, TESS, TOKEN, FakeSlack, fake_slack
from tests.plugins.store import postgres_server_url
from tests.slack.conftest import SIGNING_SECRET, documented

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
CLI = "from bot.cli import main; main()"
LYNNE = "lynne.robbins@contoso.com"
START_LIMIT = 60.0
_BUTTON = re.compile(r"a:[A-Za-z0-9_-]+:(?:confirm|approve)")


def _toml(url: str, sandbox: SandboxProcess) -> str:
    tenant = sandbox.tenant("contoso")
    return f"""
store_url = "{url}"
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

[approvals.tenants.contoso]
slack_channel = "{OPEN_CHANNEL}"
"""


@asynccontextmanager
async def _serve(home: Path, slack: FakeSlack, secret: str) -> AsyncIterator[str]:
    """`deskhand serve` in a process of its own; yields its URL once it says it started."""
    environment = {
        **os.environ,
        "DESKHAND_HOME": str(home),
        "DESKHAND_CONFIG": str(home / "deskhand.toml"),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DESKHAND_SLACK_API_URL": slack.api_url,
        "CONTOSO_CLIENT_SECRET": secret,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLI,
        "serve",
        "--host=127.0.0.1",
        "--port=0",
        "--metrics-port=0",
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        url = await _started(process)
        drain = asyncio.create_task(_discard(process))
        yield url
        drain.cancel()
    finally:
        await stop_process(process)


async def _started(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    async with asyncio.timeout(START_LIMIT):
        while line := await process.stdout.readline():
            event = json.loads(line) if line.startswith(b"{") else {}
            if event.get("event") == "server.started":
                return str(event["url"])
    raise AssertionError(f"deskhand serve stopped before it started ({await process.wait()})")


async def _discard(process: asyncio.subprocess.Process) -> None:
    """Keep reading the server's logs so a full pipe never blocks it."""
    assert process.stdout is not None
    while await process.stdout.readline():
        pass


async def _signed(http: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> int:
    body = urllib.parse.urlencode(payload)
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    answer = await http.post(f"{url}/slack/events", content=body, headers=headers)
    return answer.status_code


def _click(slack: FakeSlack, value: str, user: str, trigger: str) -> dict[str, Any]:
    payload = documented("block_actions")
    payload["actions"][0].update(action_id="deskhand:1", value=value)
    payload["user"].update(id=user)
    payload["trigger_id"] = trigger
    payload["response_url"] = slack.response_url(trigger)
    return {"payload": json.dumps(payload)}


def _button(call_args: dict[str, Any], verb: str) -> str:
    found = [b for b in _BUTTON.findall(json.dumps(call_args)) if b.endswith(f":{verb}")]
    assert found, f"no {verb} button in {call_args}"
    return found[0]


async def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        return await (await conn.execute(query)).fetchall()


async def _settled(url: str, deadline: float = 30.0) -> str:
    async with asyncio.timeout(deadline):
        while True:
            [(state,)] = await _rows(url, "SELECT state FROM pending_actions")
            if state in ("done", "failed"):
                return str(state)
            await asyncio.sleep(0.05)


async def test_one_approval_clicked_on_two_replicas_runs_once(
    tmp_path: Path, postgres_url: str
) -> None:
    postgres_server_url()  # skips with the reason when PostgreSQL is not configured
    async with AsyncExitStack() as stack:
        slack = await stack.enter_async_context(fake_slack())
        sandbox = await stack.enter_async_context(sandbox_process(tmp_path))
        secret = sandbox.tenant("contoso").client_secret
        urls = []
        for name in ("a", "b"):
            home = tmp_path / name
            home.mkdir()
            (home / "deskhand.toml").write_text(_toml(postgres_url, sandbox))
            urls.append(await stack.enter_async_context(_serve(home, slack, secret)))
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=20))
        first, second = urls

        command = documented("slash_command")
        command.update(
            text=f"block {LYNNE} --reason T-1", user_id=TESS, response_url=slack.response_url("c")
        )
        assert await _signed(http, first, command) == 200
        [card] = await slack.wait_for("response_url", within=30)
        confirm = _button(card.args, "confirm")
        assert await _signed(http, first, _click(slack, confirm, TESS, "t-confirm")) == 200
        [approval] = await slack.wait_for("chat.postMessage", within=30)
        assert approval.args["channel"] == OPEN_CHANNEL
        approve = _button(approval.args, "approve")

        statuses = await asyncio.gather(
            _signed(http, first, _click(slack, approve, APPROVER, "t-approve-a")),
            _signed(http, second, _click(slack, approve, APPROVER, "t-approve-b")),
        )
        assert statuses == [200, 200]
        assert await _settled(postgres_url) == "done"
        await slack.wait_for("response_url", count=4, within=30)  # both clickers answered

    done = await _rows(
        postgres_url,
        "SELECT graph_request_ids FROM audit_log WHERE command = 'block' AND outcome = 'done'",
    )
    approved = await _rows(
        postgres_url, "SELECT actor FROM audit_log WHERE command = 'block' AND outcome = 'approved'"
    )
    assert len(done) == 1 and len(approved) == 1
    [(writes,)] = done
    assert len(writes) == 2  # the PATCH and the revoke: once
