"""What `bench.slack_ack` measures, each on its own loopback port: Deskhand serving Slack, a
bare slack-bolt app whose only listener acks, and the Slack Web API both talk to.

Deskhand is configured as for a customer tenant in a non-public cloud: its Graph and login
hosts are the sandbox's, which runs in a process of its own (`bench.sandbox_process`).

The Web API here is the least that lets `/deskhand user …` run to its reply: one workspace,
one technician, one channel not shared with anyone. It counts the replies Deskhand delivers.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.sandbox_process import SandboxProcess
from bot.config import load_settings
from bot.runtime import open_runtime
from bot.server import Listener, RunningServer, start_server

__all__ = [
    "SIGNING_SECRET",
    "TECHNICIAN_EMAIL",
    "TENANT",
    "TOKEN",
    "FakeSlackApi",
    "fake_slack_api",
    "serve_bolt",
    "serve_deskhand",
]

TOKEN = "xoxb-bench-token"
SIGNING_SECRET = "bench-signing-secret-8f742231b10e"
EVENTS_PATH = "/slack/events"
TECHNICIAN_EMAIL = "tess@msp.example"
TENANT = "contoso"
_SECRET_VARIABLE = "BENCH_CONTOSO_SECRET"

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


@dataclass
class FakeSlackApi:
    """Slack's Web API answered for one workspace; remembers the replies it was sent."""

    url: str = ""
    replies: int = 0
    last_reply: str = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def response_url(self) -> str:
        return f"{self.url}/response"

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

    async def _count(self, request: web.Request) -> None:
        self.replies += 1
        if request.content_type == "application/json":
            self.last_reply = str((await request.json()).get("text", ""))
        else:
            self.last_reply = str((await request.post()).get("text", ""))


@asynccontextmanager
async def _serving(app: web.Application) -> AsyncIterator[str]:
    """`app` on 127.0.0.1 at a port the system picks; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def fake_slack_api() -> AsyncIterator[FakeSlackApi]:
    slack = FakeSlackApi()
    app = web.Application()
    app.router.add_route("*", "/api/{method}", slack.api)
    app.router.add_post("/response", slack.respond)
    async with _serving(app) as url:
        slack.url = url
        yield slack


@asynccontextmanager
async def serve_bolt(slack: FakeSlackApi) -> AsyncIterator[str]:
    """The baseline: slack-bolt's documented aiohttp adapter, one listener that only acks.

    Yields the URL Slack would post to.
    """
    bolt = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=TOKEN, base_url=slack.api_url),
        request_verification_enabled=True,
        process_before_response=True,
    )

    @bolt.command("/deskhand")
    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post(EVENTS_PATH, events)
    async with _serving(app) as url:
        yield url + EVENTS_PATH


@asynccontextmanager
async def serve_deskhand(
    home: Path, slack: FakeSlackApi, sandbox: SandboxProcess
) -> AsyncIterator[RunningServer]:
    """`deskhand serve` with one customer tenant behind `sandbox`'s hosts, SQLite in `home`.

    Configured tenants give roles to no one by default, so the technician is granted them.
    """
    tenant = sandbox.tenant(TENANT)
    settings = load_settings(
        home=home,
        tenants={
            TENANT: {
                "tenant_id": tenant.tenant_id,
                "domain": tenant.domain,
                "client_id": tenant.client_id,
                "client_secret_env": _SECRET_VARIABLE,
            }
        },
        graph_host=sandbox.url,
        login_host=sandbox.url,
        ca_bundle=sandbox.ca_file,
        grants=[{"who": TECHNICIAN_EMAIL, "tenant": "*", "roles": ["technician"]}],
        slack={"bot_token": TOKEN, "signing_secret": SIGNING_SECRET, "api_url": slack.api_url},
    )
    listener = Listener("127.0.0.1", 0, metrics_port=0)
    with _environment(_SECRET_VARIABLE, tenant.client_secret):
        async with open_runtime(settings) as runtime, start_server(runtime, listener) as server:
            yield server


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """`name` set to `value` while inside, as an operator's service environment would hold it."""
    os.environ[name] = value
    try:
        yield
    finally:
        del os.environ[name]
