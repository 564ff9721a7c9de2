"""The Slack Web API of `bench.slack_ack`, in a process of its own, as Slack's servers are not
on the machine that runs Deskhand: its CPU must not be charged to the acks it is measured by.

Run as `python -m bench.slack_web_api`; it prints the URL it listens on, then serves until
stopped. It is the least that lets `/deskhand user …` run to its reply: one workspace, one
technician, one channel not shared with anyone. It counts the replies it is sent, and tells
the count at `GET /tally`.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.measure import BenchmarkFailed
from bench.sandbox_process import first_line, run_idle, stop_process

__all__ = ["TECHNICIAN_EMAIL", "SlackWebApi", "main", "slack_web_api_process"]

TECHNICIAN_EMAIL = "tess@msp.example"

_ROOT = Path(__file__).resolve().parents[1]
_URL_PREFIX = "Slack Web API on "
_TEAM = "T0001"
_TECHNICIAN = {
    "id": "U0TESS",
    "team_id": _TEAM,
    "name": "tess",
    "real_name": "Tess Tech",
    "profile": {"email": TECHNICIAN_EMAIL},
}
_CHANNEL = {"id": "C0HELPDESK1", "name": "helpdesk", "is_ext_shared": False}
_ANSWERS: dict[str, dict[str, object]] = {
    "auth.test": {"team_id": _TEAM, "user_id": "UBOT", "bot_id": "B0BOT", "team": "MSP"},
    "users.info": {"user": _TECHNICIAN},
    "conversations.info": {"channel": _CHANNEL},
    "chat.postMessage": {"channel": _CHANNEL["id"], "ts": "1700000000.000100"},
    "chat.postEphemeral": {"message_ts": "1700000000.000200"},
}
_DELIVERIES = {"chat.postMessage", "chat.postEphemeral"}


@dataclass(frozen=True)
class Tally:
    replies: int
    last_reply: str


@dataclass
class _FakeSlackApi:
    """Slack's Web API answered for one workspace; remembers the replies it was sent."""

    replies: int = 0
    last_reply: str = ""

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        answer = _ANSWERS.get(method)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if method in _DELIVERIES:
            await self._count(request)
        return web.json_response({"ok": True, **answer})

    async def respond(self, request: web.Request) -> web.Response:
        await self._count(request)
        return web.Response(text="ok")

    async def tally(self, request: web.Request) -> web.Response:
        return web.json_response({"replies": self.replies, "last_reply": self.last_reply})

    async def _count(self, request: web.Request) -> None:
        self.replies += 1
        if request.content_type == "application/json":
            self.last_reply = str((await request.json()).get("text", ""))
        else:
            self.last_reply = str((await request.post()).get("text", ""))


@dataclass(frozen=True)
class SlackWebApi:
    """How the benchmark reaches the Slack Web API process."""

    url: str

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def response_url(self) -> str:
        return f"{self.url}/response"

    async def tally(self) -> Tally:
        """The replies delivered so far, and the last one's text."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.url}/tally") as response,
        ):
            answer = await response.json()
        return Tally(int(answer["replies"]), str(answer["last_reply"]))


@asynccontextmanager
async def slack_web_api_process(*, idle: bool = False) -> AsyncIterator[SlackWebApi]:
    """`python -m bench.slack_web_api` in a child process (at idle CPU priority if `idle`, see
    `bench.sandbox_process.run_idle`); stopped on the way out."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.slack_web_api", cwd=_ROOT, stdout=asyncio.subprocess.PIPE
    )
    if idle:
        run_idle(process)
    try:
        line = await first_line(process, "the Slack Web API")
        if not line.startswith(_URL_PREFIX):
            raise BenchmarkFailed(f"the Slack Web API said {line!r} instead of its URL")
        yield SlackWebApi(line.removeprefix(_URL_PREFIX))
    finally:
        await stop_process(process)


async def _serve() -> None:
    slack = _FakeSlackApi()
    app = web.Application()
    app.router.add_route("*", "/api/{method}", slack.api)
    app.router.add_post("/response", slack.respond)
    app.router.add_get("/tally", slack.tally)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        print(f"{_URL_PREFIX}http://{host}:{port}", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    asyncio.run(_serve())


if __name__ == "__main__":
    main()
