"""A digest schedule added in Slack fires on the server's DBOS scheduler and reaches a Slack
channel, an e-mail address and each line manager once per slot.

The whole server runs in this process (`start_server` on the runtime `deskhand serve` opens)
on the embedded sandbox, whose contoso mailbox admin@contoso.com sends the e-mail; Slack's Web
API is the loopback fake, which knows the channel #it-managers. Ada, an admin by the grants,
adds the schedule with a signed slash command; its cron fires every three seconds, so the test
waits (with a deadline) for the first slot whose messages have all ended, then looks at what
each place got. Later slots are runs of their own: every check is per slot, through the mark
each message carries, and the schedule is removed once a slot has been seen. A line manager's
e-mail has no chart: the trend is tenant-wide (`cards.subset`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from dbos import DBOS
from sqlalchemy import select

from bot.config import load_settings
from bot.process.runtime import Runtime, open_runtime
from bot.process.server import Listener, start_server
from bot.schedules.mail import MARK_HEADER
from bot.schedules.managers import UPN
from bot.schedules.replies import load_reply
from bot.schedules.running import message_mark
from bot.store.digests import SendState
from bot.store.tables import digest_runs, digest_sends
from cards.reply import Table
from sandbox import Sandbox
from sandbox.exchange.mailboxes import SentMessage
from tests.e2e.slack_requests import send_signed
from tests.fakes.slack_api import (
    APPROVER,
    MANAGERS_CHANNEL,
    OPEN_CHANNEL,
    TOKEN,
    FakeSlack,
    fake_slack,
)
from tests.slack.conftest import SIGNING_SECRET, documented

NAME = "contoso-mfa"
SENDER = "admin@contoso.com"
ADDRESS = "it@contoso.com"
ADD = (
    'schedule add "digest mfa --tenant contoso" --cron "*/3 * * * * *" '
    f"--to #it-managers --to {ADDRESS} --to managers --name {NAME}"
)
LIMIT = 25.0
"""Seconds a slot may take to fire and be sent, and a command to be answered."""
LATER = 4.0
"""Seconds to let a slot or two more fire, to see that none of them repeats an earlier one."""


@dataclass(frozen=True)
class Served:
    runtime: Runtime
    slack: FakeSlack
    http: httpx.AsyncClient
    url: str

    @property
    def sandbox(self) -> Sandbox:
        assert self.runtime.sandbox is not None
        return self.runtime.sandbox

    async def command(self, text: str, name: str) -> str:
        """Ada types `/deskhand <text>`; the answer Slack got at the command's response_url."""
        payload = documented("slash_command")
        payload.update(text=text, user_id=APPROVER, response_url=self.slack.response_url(name))
        after = len(self.slack.calls)
        assert await send_signed(self.http, self.url, payload) == 200
        return json.dumps(await _answered(self.slack, name, after))

    async def sends(self) -> list[dict[str, Any]]:
        async with self.runtime.store.engine.connect() as conn:
            rows = (await conn.execute(select(digest_sends))).mappings().all()
        return [dict(row) for row in rows]


@pytest.fixture
async def served(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Served]:
    async with fake_slack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("DESKHAND_SLACK_API_URL", slack.api_url)
        settings = load_settings(
            home=tmp_path / "home",
            store_url=store_url,
            tenants={},
            grants=[{"who": "ada@msp.example", "tenant": "*", "roles": ["admin"]}],
        )
        listener = Listener("127.0.0.1", 0, metrics_port=0)
        async with (
            open_runtime(settings, role="serve") as runtime,
            start_server(runtime, listener) as server,
            httpx.AsyncClient(timeout=LIMIT) as http,
        ):
            yield Served(runtime, slack, http, server.url)


async def test_a_scheduled_digest_reaches_slack_mail_and_each_manager_once_per_slot(
    served: Served,
) -> None:
    added = await served.command(ADD, "add")
    assert f"Schedule {NAME} added" in added, added

    slot = await _first_slot_sent(served)
    listed = await _listed_with_result(served)
    removed = await served.command(f"schedule remove {NAME}", "remove")
    assert f"Schedule {NAME} removed" in removed, removed
    await asyncio.sleep(LATER)  # a slot or two more may run meanwhile: none may repeat this one
    assert set(await _all_ended()) == {"SUCCESS"}

    every = await served.sends()
    rows = [row for row in every if row["slot"] == slot]
    people = await _people(served, slot)
    managers = _managers_of(served.sandbox, people)
    keys = {"#it-managers", f"mail:{ADDRESS}", *(f"mail:{m}" for m in managers)}
    assert sorted(row["recipient"] for row in rows) == sorted(keys)  # one row per message
    assert {row["state"] for row in rows} == {SendState.SENT.value}
    marks = {row["recipient"]: message_mark(NAME, slot, row["recipient"]) for row in rows}

    _check_slack(served.slack, marks["#it-managers"])
    mail = served.sandbox.sent_mail("contoso")
    _check_mail_to(mail, ADDRESS, marks[f"mail:{ADDRESS}"], chart=True)
    for manager, reports in managers.items():
        # The tenant-wide trend chart is not theirs to see (cards.subset).
        html = _check_mail_to(mail, manager, marks[f"mail:{manager}"], chart=False)
        shown = {upn for upn in people if upn in html}
        assert shown == reports, manager  # only their own reports, every one of them
    assert f"{len(keys)} sent" in listed, listed
    # Whatever slots ran after it, each message of each went out once, and nothing else did.
    sent = [message_mark(NAME, row["slot"], row["recipient"]) for row in every]
    assert {row["state"] for row in every} == {SendState.SENT.value}
    assert sorted(_slack_marks(served.slack) + _mail_marks(mail)) == sorted(sent)


async def _answered(slack: FakeSlack, name: str, after: int) -> dict[str, Any]:
    """Deskhand's first answer, from call number `after` on, to the command whose
    response_url is `name`: there, or posted in the channel it was typed in."""

    def answers() -> list[dict[str, Any]]:
        return [
            call.args
            for call in slack.calls[after:]
            if call.args.get("name") == name
            or (call.method.startswith("chat.post") and call.args.get("channel") == OPEN_CHANNEL)
        ]

    async with asyncio.timeout(LIMIT):
        while True:
            if found := answers():
                return found[0]
            await asyncio.sleep(0.05)  # a polling interval, not a wait for something to happen


async def _first_slot_sent(served: Served) -> datetime:
    """The first slot whose messages all ended, once one has."""
    async with asyncio.timeout(LIMIT):
        while True:
            by_slot: dict[datetime, list[str]] = {}
            for row in await served.sends():
                by_slot.setdefault(row["slot"], []).append(row["state"])
            ended = [
                slot
                for slot, states in by_slot.items()
                if not {SendState.PLANNED.value, SendState.SENDING.value} & set(states)
            ]
            if ended:
                return min(ended)
            await asyncio.sleep(0.1)  # a polling interval, not a wait for something to happen


async def _listed_with_result(served: Served) -> str:
    """`/deskhand schedule list` once its last run is one whose messages were all sent (a
    later slot may be on its way when first asked)."""
    asked = 0
    async with asyncio.timeout(LIMIT):
        while True:
            asked += 1  # each answer has a response_url of its own
            listed = await served.command("schedule list", f"list-{asked}")
            if " sent" in listed and not any(s in listed for s in ("planned", "sending")):
                return listed
            await asyncio.sleep(0.2)  # a polling interval, not a wait for something to happen


async def _all_ended() -> list[str]:
    """Once no digest run is waiting or running: the statuses of them all."""
    async with asyncio.timeout(LIMIT):
        while True:
            runs = await DBOS.list_workflows_async(
                name="deskhand.digest", load_input=False, load_output=False
            )
            statuses = [str(run.status) for run in runs]
            if not {"PENDING", "ENQUEUED"} & set(statuses):
                return statuses
            await asyncio.sleep(0.1)  # a polling interval, not a wait for something to happen


async def _people(served: Served, slot: datetime) -> set[str]:
    """The UPNs in the slot's digest, as its run recorded the reply."""
    async with served.runtime.store.engine.connect() as conn:
        [reply] = (
            await conn.execute(
                select(digest_runs.c.reply).where(
                    digest_runs.c.schedule == NAME, digest_runs.c.slot == slot
                )
            )
        ).scalars()
    return {
        row[block.columns.index(UPN)].lower()
        for block in load_reply(reply).blocks
        if isinstance(block, Table) and UPN in block.columns
        for row in block.rows
    }


def _managers_of(sandbox: Sandbox, people: set[str]) -> dict[str, set[str]]:
    """Each line manager's address → their reports among `people`, from the seeded directory."""
    users = sandbox.tenant("contoso").directory.users
    by_upn = {user.user_principal_name.lower(): user for user in users.values()}
    managers: dict[str, set[str]] = {}
    for upn in people:
        manager = users.get(by_upn[upn].manager_id or "")
        if manager is not None and manager.mail:
            managers.setdefault(manager.mail.lower(), set()).add(upn)
    assert len(managers) >= 2, f"the seed should give several managers: {managers}"
    return managers


def _check_slack(slack: FakeSlack, mark: str) -> None:
    metadata = {"event_type": "deskhand_digest", "event_payload": {"mark": mark}}
    posts = [c for c in slack.called("chat.postMessage") if c.args.get("metadata") == metadata]
    assert [post.args["channel"] for post in posts] == [MANAGERS_CHANNEL]  # once, there
    completed = [
        c
        for c in slack.called("files.completeUploadExternal")
        if c.args.get("channel_id") == MANAGERS_CHANNEL
    ]
    files = [file for c in completed for file in json.loads(c.args["files"])]
    assert any(file["title"].endswith(".png") for file in files), files
    pngs = [content for content in slack.uploads.values() if content.startswith(b"\x89PNG")]
    assert pngs


def _slack_marks(slack: FakeSlack) -> list[str]:
    return [
        str(call.args["metadata"]["event_payload"]["mark"])
        for call in slack.called("chat.postMessage")
        if isinstance(call.args.get("metadata"), dict)
    ]


def _mail_marks(mail: list[SentMessage]) -> list[str]:
    return [
        str(header["value"])
        for sent in mail
        for header in sent.message.get("internetMessageHeaders", [])
        if header.get("name") == MARK_HEADER
    ]


def _check_mail_to(mail: list[SentMessage], to: str, mark: str, *, chart: bool) -> str:
    """The one message with `mark` went from the sender to `to`, with the chart inline when
    `chart`; its HTML."""
    marked = [
        sent.message
        for sent in mail
        if {"name": MARK_HEADER, "value": mark} in sent.message.get("internetMessageHeaders", [])
    ]
    assert len(marked) == 1, f"{len(marked)} messages to {to} carry {mark}"
    [message] = marked
    assert message["from"]["emailAddress"]["address"].lower() == SENDER
    assert [r["emailAddress"]["address"] for r in message["toRecipients"]] == [to]
    html = str(message["body"]["content"])
    assert ('<img src="cid:chart"' in html) is chart
    inline = [a for a in message.get("attachments", []) if a.get("isInline")]
    assert [(a["contentId"], a["contentType"]) for a in inline] == [("chart", "image/png")] * chart
    return html
