"""A generated password appears in the requester's private reply and nowhere else: not in the
logs, not in any table of the database (either engine), not in what Graph was sent beyond the
one PATCH that sets it, not in the approvers' cards or anything else a channel was handed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import structlog
from sqlalchemy import select

from bot.config import load_settings
from bot.invocation import Invocation
from bot.logs import configure_logging
from bot.notify import Notifiers
from bot.runtime import Runtime, open_runtime
from bot.store.tables import metadata
from cards.reply import Level, Reply
from commands.context import Actor
from tests.approvals.desk_world import RecordingNotifier

OPERATOR = Actor("console:tester", "Tess Tester")
APPROVER = Actor("slack:T1:U2", "Abe Approver", "abe@msp.example")
REQUESTER = Actor("slack:T1:U1", "Tess Tech", "tess@msp.example")
LYNNE = "lynne.robbins@contoso.com"


@pytest.fixture
def log_stream() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
async def runtime(
    tmp_path: Path, store_url: str, log_stream: io.StringIO
) -> AsyncIterator[Runtime]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(log_stream)
    settings = load_settings(
        home=tmp_path / "home",
        store_url=store_url,
        tenants={},
        grants=[
            {"who": REQUESTER.email, "tenant": "*", "roles": ["technician"]},
            {"who": APPROVER.email, "tenant": "*", "roles": ["approver"]},
        ],
        approvals={
            "policies": [{"command": "reset-password", "approval": "four-eyes"}],
            "tenants": {"contoso": {"slack_channel": "CAPPROVE1"}},
        },
    )
    try:
        async with open_runtime(settings, operators=(OPERATOR,)) as started:
            yield started
    finally:
        structlog.reset_defaults()
        root.handlers[:], root.level = handlers, level


def _button(reply: Reply, verb: str) -> str:
    return next(b.action_id for b in reply.buttons if b.action_id.endswith(f":{verb}"))


def _files_holding(root: Path, needle: str) -> list[Path]:
    """Files under `root` (the SQLite database, its WAL, exports) that hold `needle`."""
    files = [path for path in root.rglob("*") if path.is_file()]
    return [path for path in files if needle.encode() in path.read_bytes()]


async def _everything_stored(runtime: Runtime) -> str:
    """Every row of every table, as text."""
    rows: list[str] = []
    async with runtime.store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows += [repr(tuple(row)) for row in await conn.execute(select(table))]
    return "\n".join(rows)


async def test_a_generated_password_reaches_only_the_requester(
    runtime: Runtime, log_stream: io.StringIO, tmp_path: Path
) -> None:
    slack = RecordingNotifier()
    runtime.notifiers.by_channel.update(Notifiers({"slack": slack}).by_channel)
    ask = runtime.router.handle
    card = await ask(
        Invocation(
            "slack",
            REQUESTER,
            f"/reset-password {LYNNE} --reason T-9",
            private=True,
            return_address={"user": "U1", "channel": "C1"},
        )
    )
    await ask(Invocation("slack", REQUESTER, "", action=_button(card, "confirm")))
    approval = slack.posts[0][1]
    approved = await ask(Invocation("slack", APPROVER, "", action=_button(approval, "approve")))

    [(address, told)] = slack.told
    password = told.secret
    assert told.level is Level.SUCCESS and told.private and len(password) >= 16
    assert address == {"user": "U1", "channel": "C1"}
    others = [card, approval, approved, *(reply for _, reply in slack.posts)]
    others += [reply for _, reply in slack.updates]
    assert all(password not in repr(reply) for reply in others)
    assert password not in repr(told.blocks) and password not in told.title
    assert '"event": "command"' in log_stream.getvalue()  # the logs were captured
    assert password not in log_stream.getvalue()
    assert password not in await _everything_stored(runtime)
    on_disk = _files_holding(tmp_path, password)
    assert on_disk == []
    assert runtime.sandbox is not None
    sent = [json.dumps(r.body) for r in runtime.sandbox.requests if password in json.dumps(r.body)]
    assert sent == []  # the sandbox's own log masks it: only the PATCH itself carried it
