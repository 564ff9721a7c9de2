"""/schedule add, list, remove and run-now in the console, on the embedded sandbox and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime, open_runtime
from bot.schedules.delivery import Found, Recipient, Sent
from cards.reply import Reply
from tests.plugins.runtime import OPERATOR


class RecordingDeliverer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def expand(
        self, recipient: Recipient, reply: Reply, tenant: str
    ) -> list[tuple[str, Reply]]:
        return [(f"{recipient.kind}:{recipient.address}", reply)]

    async def send(self, key: str, reply: Reply, mark: str) -> Sent:
        self.sent.append((key, mark))
        return Sent(key, {"id": mark})

    async def find(self, key: str, mark: str, since: datetime) -> Found:
        return Found.SENT if (key, mark) in self.sent else Found.NOT_SENT


@pytest.fixture
async def deliverer() -> RecordingDeliverer:
    return RecordingDeliverer()


@pytest.fixture
async def console(tmp_path: Path, deliverer: RecordingDeliverer) -> AsyncIterator[Runtime]:
    settings = load_settings(home=tmp_path / "home", tenants={})
    async with open_runtime(settings, operators=(OPERATOR,), deliverer=deliverer) as started:
        yield started


async def _ask(runtime: Runtime, text: str) -> Reply:
    return await runtime.router.handle(Invocation(channel="console", actor=OPERATOR, text=text))


def _said(reply: Reply) -> str:
    return " ".join(getattr(block, "text", "") for block in reply.blocks)


async def test_a_schedule_is_added_listed_run_and_removed(
    console: Runtime, deliverer: RecordingDeliverer
) -> None:
    added = await _ask(
        console,
        '/schedule add "tenants" --cron "0 8 * * MON" --tz Europe/Amsterdam '
        "--to #it-managers,ada@example.com --to managers",
    )
    assert not added.failed, _said(added)
    assert isinstance(added.data, Mapping) and added.data["name"] == "tenants"
    listed = await _ask(console, "/schedule list")
    assert isinstance(listed.data, list) and [row["name"] for row in listed.data] == ["tenants"]
    assert listed.data[0]["recipients"] == ["#it-managers", "ada@example.com", "managers"]
    assert listed.data[0]["nextRun"].endswith("T07:00:00Z")  # 08:00 in Amsterdam in winter
    ran = await _ask(console, "/schedule run-now tenants")
    assert not ran.failed, _said(ran)
    assert sorted(key for key, _ in deliverer.sent) == [
        "mail:ada@example.com",
        "managers:",
        "slack_channel:#it-managers",
    ]
    listed = await _ask(console, "/schedule list")
    assert isinstance(listed.data, list) and listed.data[0]["lastResult"] == "3 sent"
    removed = await _ask(console, "/schedule remove tenants")
    assert not removed.failed, _said(removed)
    listed = await _ask(console, "/schedule list")
    assert listed.data == []


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('/schedule add "tenants" --cron "0 25 * * *" --to console', "0 8 * * MON"),
        ('/schedule add "tenants" --cron "0 8 * * MON" --tz Mars/Olympus --to console', "IANA"),
        ('/schedule add "offboard adele@contoso.com" --cron "0 8 * * *" --to console', "read-only"),
        ('/schedule add "nosuch" --cron "0 8 * * *" --to console', "no command /nosuch"),
        ('/schedule add "tenants" --cron "0 8 * * *" --to "#"', "not a recipient"),
        ("/schedule remove nothing-here", "no schedule called nothing-here"),
        ("/schedule run-now nothing-here", "no schedule called nothing-here"),
    ],
)
async def test_bad_input_is_refused_with_a_short_message(
    console: Runtime, line: str, says: str
) -> None:
    reply = await _ask(console, line)
    assert reply.failed and says in _said(reply), _said(reply)
