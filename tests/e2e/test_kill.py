"""`deskhand serve` killed (SIGKILL) with acknowledged Slack commands in flight, then started
again under the same executor id: every command was either answered or its person told, once.

The server is a real subprocess on the embedded sandbox (its commands run in its own process),
Slack's Web API the loopback fake. The commands come from a channel shared with another
organisation, so every answer (and every "restarted" message) goes to the command's own
`response_url`: each request can be followed to its end. Tess's commands are answered before
the kill; Ada's stay in flight (the fake Slack holds her `users.info`) until the kill, which
comes once their inbox rows are written: the inbox writes in batches, and a process killed
within a batch's 50 ms window may lose the rows of that window (documented in the inbox).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from tests.e2e.serve_process import serving
from tests.e2e.slack_requests import send_signed
from tests.fakes.slack_api import APPROVER, SHARED_CHANNEL, TESS, TOKEN, FakeSlack, fake_slack
from tests.slack.conftest import SIGNING_SECRET, documented

ANSWERED = 6
IN_FLIGHT = 18
LIMIT = 60.0
LOST_WORDS = "restarted before answering"


@asynccontextmanager
async def _serve(
    home: Path, slack: FakeSlack, http: httpx.AsyncClient
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    environment = {
        **os.environ,
        "DESKHAND_HOME": str(home),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DESKHAND_SLACK_API_URL": slack.api_url,
        "DESKHAND_EXECUTOR_ID": "kill-test-replica",
        # One person sends them all: none is refused as past their share.
        "DESKHAND_SLACK__PER_PERSON_IN_FLIGHT": str(IN_FLIGHT),
    }
    async with serving(http, environment, LIMIT) as (process, url):
        yield process, url


def _command(slack: FakeSlack, name: str, user: str) -> dict[str, str]:
    payload = documented("slash_command")
    payload.update(
        text="users --tenant contoso",
        user_id=user,
        channel_id=SHARED_CHANNEL,
        trigger_id=name,
        response_url=slack.response_url(name),
    )
    return {key: str(value) for key, value in payload.items()}


def _inbox_rows(home: Path) -> int:
    with sqlite3.connect(home / "deskhand.db") as conn:
        return int(conn.execute("SELECT count(*) FROM inbox").fetchone()[0])


def _reached(slack: FakeSlack) -> dict[str, list[str]]:
    """Per command, the texts that reached its `response_url`."""
    reached: dict[str, list[str]] = {}
    for call in slack.called("response_url"):
        reached.setdefault(call.args["name"], []).append(str(call.args.get("text", "")))
    return reached


async def _inbox_holds(home: Path, count: int) -> None:
    """Waits until the inbox has `count` rows (the caller's deadline)."""
    while True:
        if _inbox_rows(home) == count:
            return
        await asyncio.sleep(0.01)  # a polling interval, not a wait for something to happen


async def _send(
    http: httpx.AsyncClient, url: str, slack: FakeSlack, names: list[str], user: str
) -> None:
    acks = await asyncio.gather(*(send_signed(http, url, _command(slack, n, user)) for n in names))
    assert acks == [200] * len(names)


async def test_a_killed_server_tells_every_acknowledged_command_it_never_answered(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    answered = [f"tess-{n}" for n in range(ANSWERED)]
    in_flight = [f"ada-{n}" for n in range(IN_FLIGHT)]
    async with fake_slack() as slack, httpx.AsyncClient(timeout=10) as http:
        async with _serve(home, slack, http) as (process, url):
            await _send(http, url, slack, answered, TESS)
            async with asyncio.timeout(LIMIT):
                await slack.wait_for("response_url", count=ANSWERED)
                await _inbox_holds(home, 0)  # answered: struck off
            slack.holds[("users.info", APPROVER)] = asyncio.Event()
            await _send(http, url, slack, in_flight, APPROVER)
            async with asyncio.timeout(LIMIT):
                await _inbox_holds(home, IN_FLIGHT)
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert sorted(_reached(slack)) == sorted(answered)
        slack.holds.pop(("users.info", APPROVER)).set()  # its callers died with the server
        async with _serve(home, slack, http), asyncio.timeout(LIMIT):
            await slack.wait_for("response_url", count=ANSWERED + IN_FLIGHT)
            await _inbox_holds(home, 0)
    reached = _reached(slack)
    told = {name for name, texts in reached.items() if any(LOST_WORDS in t for t in texts)}
    assert told == set(in_flight)
    assert all(len(reached[name]) == 1 for name in in_flight)  # each told once
