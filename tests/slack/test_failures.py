"""When Slack, the store or Deskhand itself fails: the person is still answered and the log
says what happened; at start-up, one line names what to check, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from structlog.testing import capture_logs

from tests.fakes.slack_api import OPEN_CHANNEL, TOKEN
from tests.slack.conftest import SIGNING_SECRET, SlackBot

LOOKUP = "user adele.vance@contoso.com"


def answering(status: int, body: str) -> Any:
    return lambda: web.Response(status=status, text=body, content_type="application/json")


def events(logs: list[dict[str, Any]]) -> list[str]:
    return [str(entry["event"]) for entry in logs]


async def test_a_malformed_conversations_info_still_answers_the_person(
    slack_bot: SlackBot,
) -> None:
    slack_bot.slack.answers["conversations.info"] = answering(200, '{"ok": true, "channel": "x"}')
    with capture_logs() as logs:
        await slack_bot.command(LOOKUP, channel_id=OPEN_CHANNEL)
        answer = (await slack_bot.slack.wait_for("response_url"))[0].args
    # Whether the channel is shared is unknown, so only the requester sees the answer.
    assert answer["response_type"] == "ephemeral"
    assert "Adele Vance" in answer["text"]
    assert not slack_bot.slack.called("chat.postMessage")
    assert {"slack.unexpected_answer", "slack.channel_info_failed"} <= set(events(logs))


async def test_a_reply_slack_refuses_is_explained_to_the_person(slack_bot: SlackBot) -> None:
    slack_bot.slack.answers["chat.postMessage"] = answering(
        500, '{"ok": false, "error": "fatal_error"}'
    )
    with capture_logs() as logs:
        await slack_bot.command(LOOKUP, channel_id=OPEN_CHANNEL)
        answer = (await slack_bot.slack.wait_for("response_url"))[0].args
    assert answer["response_type"] == "ephemeral"
    assert "Deskhand could not answer that" in answer["text"]
    failed = next(entry for entry in logs if entry["event"] == "slack.request_failed")
    assert failed["code"] == "fatal_error" and failed["service"] == "Slack"
    assert failed["request_id"] in answer["text"]


async def test_a_mention_whose_reply_fails_is_answered_ephemerally(slack_bot: SlackBot) -> None:
    slack_bot.slack.answers["chat.postMessage"] = answering(500, "<html>down</html>")
    with capture_logs() as logs:
        await slack_bot.mention(f"<@UBOT> {LOOKUP}")
        told = (await slack_bot.slack.wait_for("chat.postEphemeral"))[0].args
    assert told["channel"] == OPEN_CHANNEL and "could not answer" in told["text"]
    assert "slack.request_failed" in events(logs)


async def test_when_no_route_reaches_the_person_the_log_says_so(slack_bot: SlackBot) -> None:
    broken = answering(200, "[]")
    for method in ("chat.postMessage", "chat.postEphemeral", "conversations.open"):
        slack_bot.slack.answers[method] = broken
    with capture_logs() as logs:
        await slack_bot.mention(f"<@UBOT> {LOOKUP}")
        await slack_bot.slack.wait_for("conversations.open")
        await slack_bot.server.work.drain(10)
    assert events(logs).count("slack.answer_route_failed") == 2
    unanswered = next(entry for entry in logs if entry["event"] == "slack.request_unanswered")
    assert unanswered["log_level"] == "error" and unanswered["user"] == "U0TESS"


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port bound but not listening: connections to it are refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DESKHAND_", "SLACK_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from bot.operator.cli import main; main()",
            "serve",
            "--port=0",
            "--metrics-port=0",
        ],
        capture_output=True,
        text=True,
        env={**clean, "DESKHAND_HOME": str(tmp_path / "home"), **env},
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_serve_with_slack_unreachable_says_which_setting_to_check(
    tmp_path: Path, refused_port: int
) -> None:
    done = serve(
        tmp_path,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        DESKHAND_SLACK_API_URL=f"http://127.0.0.1:{refused_port}/api/",
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "DESKHAND_SLACK_API_URL" in lines[0], done.stderr


def test_serve_with_the_store_unreachable_says_which_setting_to_check(
    tmp_path: Path, refused_port: int
) -> None:
    done = serve(tmp_path, DESKHAND_STORE_URL=f"postgresql://deskhand@127.0.0.1:{refused_port}/x")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "store_url" in lines[0], done.stderr
