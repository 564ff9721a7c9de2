"""What `bench.slack_ack` measures, each on its own loopback port: Deskhand serving Slack, and
a bare slack-bolt app whose only listener acks.

Deskhand is configured as for a customer tenant in a non-public cloud: its Graph and login
hosts are the sandbox's, which runs in a process of its own (`bench.sandbox_process`); the
Slack Web API both talk to has its own process too (`bench.slack_web_api`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.sandbox_process import SandboxProcess
from bench.slack_web_api import TECHNICIAN_EMAIL, SlackWebApi
from bot.config import load_settings
from bot.process.runtime import open_runtime
from bot.process.server import Listener, RunningServer, start_server

__all__ = [
    "SIGNING_SECRET",
    "TENANT",
    "TOKEN",
    "serve_bolt",
    "serve_deskhand",
]

TOKEN = "xoxb-bench-token"
SIGNING_SECRET = "bench-signing-secret-8f742231b10e"
EVENTS_PATH = "/slack/events"
TENANT = "contoso"
_SECRET_VARIABLE = "BENCH_CONTOSO_SECRET"


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
async def serve_bolt(slack: SlackWebApi) -> AsyncIterator[str]:
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
    home: Path, slack: SlackWebApi, sandbox: SandboxProcess
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
