"""`deskhand serve`: the aiohttp application every chat platform talks to.

It takes its channels from the composition root (`bot.process.runtime`) and serves
`/slack/events`, `/api/messages` (Teams, behind the Agents SDK's JWT check), `/healthz` (the
process is up) and `/readyz` (the store answers). Metrics have their own listener, on loopback
by default, never on the public one. On SIGTERM it stops taking requests and lets the work in
flight finish. Once listening, it tells the people whose requests a previous run of this
process (its executor id) acknowledged and never answered (`bot.process.lost_work`).

Slack's commands run in worker processes (`bot.process.workers`) at a lower CPU priority, so
this process's event loop does nothing but take requests and ack them; each worker opens its
own runtime, in `bot.process.runtime.slack_job`. With the embedded sandbox they run in this
process, whose sandbox (and its state) the commands must share; `Listener.workers` overrides
either.
Teams stays here: its invoke responses wait for the command.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.approvals.notify import Notifier
from bot.channels.slack import SlackChannel
from bot.channels.slack_notify import SlackNotifier
from bot.channels.teams import TeamsChannel, TeamsOutbound
from bot.channels.teams_notify import TeamsNotifier
from bot.config import Settings, load_settings
from bot.pipeline.invocation import new_request_id
from bot.process.logs import configure_logging
from bot.process.lost_work import tell_lost
from bot.process.metrics_merge import merge_metrics
from bot.process.runtime import Runtime, open_runtime, slack_channel, teams_channel
from bot.process.tasks import WorkGroup
from bot.process.workers import LogTarget, WorkerPool

__all__ = [
    "Listener",
    "RunningServer",
    "build_app",
    "run_server",
    "serve_forever",
    "start_server",
    "worker_count",
]

log = structlog.get_logger("deskhand.server")

SHUTDOWN_GRACE = 30.0
SLACK_JOB = "bot.process.runtime:slack_job"
_QUIET_WORKERS = LogTarget(level=logging.WARNING)


@dataclass(frozen=True)
class Listener:
    host: str = "0.0.0.0"
    """Every interface: chat platforms reach it through the HTTPS proxy in front."""
    port: int = 3000
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9464
    socket_mode: bool = False
    """Take Slack's events over Socket Mode (SLACK_APP_TOKEN) instead of HTTP."""
    workers: int | None = None
    """Worker processes for Slack's commands; 0 runs them here; None: see `worker_count`."""


@dataclass(frozen=True)
class RunningServer:
    url: str
    metrics_url: str
    work: WorkGroup
    slack: SlackChannel | None
    teams: TeamsChannel | None
    workers: WorkerPool | None = None
    """Where Slack's commands run, when not in `work`."""


def build_app(
    runtime: Runtime, slack: SlackChannel | None, teams: TeamsChannel | None
) -> web.Application:
    app = web.Application()
    timed = runtime.metrics.timed

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        try:
            async with runtime.store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return web.json_response({"status": "unavailable", "store": "unreachable"}, status=503)
        channels = {"slack": slack is not None, "teams": teams is not None}
        return web.json_response({"status": "ready", "store": "ok", **channels})

    app.router.add_get("/healthz", timed("/healthz", healthz))
    app.router.add_get("/readyz", timed("/readyz", readyz))
    if slack is not None:
        app.router.add_post(
            "/slack/events", timed("/slack/events", _crashes_answered(slack.handle_http))
        )
    if teams is not None:
        # The SDK's JWT check reads its configuration under this plain string key.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            app["agent_configuration"] = teams.auth_configuration
        checked = jwt_authorization_decorator(teams.handle_http)  # type: ignore[no-untyped-call]
        app.router.add_post("/api/messages", timed("/api/messages", _crashes_answered(checked)))
    return app


def _crashes_answered(handler: Handler) -> Handler:
    """`handler`, whose bugs answer 500 with a reference the log line carries too.

    A malformed request never gets here (the channels answer it 400); what does is a bug in
    Deskhand or its SDKs, for which the platform's retry is the right thing.
    """

    async def answered(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception:
            reference = new_request_id()
            log.exception("server.request_crashed", path=request.path, reference=reference)
            body = {"error": "Deskhand failed to handle this request", "reference": reference}
            return web.json_response(body, status=500)

    return answered


def _metrics_app(runtime: Runtime, workers: WorkerPool | None) -> web.Application:
    app = web.Application()
    if workers is None:
        app.router.add_get("/metrics", runtime.metrics.handler())
        return app

    async def metrics(request: web.Request) -> web.Response:
        """This process's metrics (requests, acks) and the workers' (commands, Graph)."""
        own = generate_latest(runtime.metrics.registry).decode()
        merged = merge_metrics([own, *await workers.metrics()])
        return web.Response(body=merged, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/metrics", metrics)
    return app


def worker_count(listener: Listener, settings: Settings) -> int:
    """`listener.workers`, else none on the embedded sandbox and one per two cores otherwise
    (a command is mostly waiting on Microsoft; one process runs sixteen at a time)."""
    if listener.workers is not None:
        return listener.workers
    if settings.uses_sandbox:
        return 0
    return max(1, (os.cpu_count() or 2) // 2)


@asynccontextmanager
async def start_server(
    runtime: Runtime,
    listener: Listener,
    *,
    teams_calls: TeamsOutbound | None = None,
    worker_logs: LogTarget = _QUIET_WORKERS,
) -> AsyncIterator[RunningServer]:
    """Serve until the block ends; then stop listening and let in-flight work finish.

    `teams_calls` is how outbound Teams calls are signed and checked (`teams_outbound` by
    default); `worker_logs` where worker processes log.
    """
    work = WorkGroup()
    settings = runtime.settings
    started = datetime.now(UTC)
    # Closed in reverse: stop listening, let the work finish, then close the clients.
    async with AsyncExitStack() as stack:
        slack = None
        workers: WorkerPool | None = None
        drains: list[Callable[[float], Awaitable[None]]] = [work.drain]
        if settings.slack.enabled:
            count = worker_count(listener, settings)
            if count:
                workers = WorkerPool(SLACK_JOB, settings, workers=count, logs=worker_logs)
            slack = slack_channel(runtime, work=work, handoff=workers)
            stack.push_async_callback(slack.close)
            # Slack answers before any worker starts: a wrong URL or token stops here, once.
            await slack.start()
            if workers is not None:
                await workers.start()
                drains.append(workers.drain)
            _notify_through(stack, runtime, SlackNotifier(slack.api))
        teams = None
        if settings.teams.enabled:
            teams = teams_channel(runtime, teams_calls)
            stack.push_async_callback(teams.close)
            _notify_through(stack, runtime, TeamsNotifier(teams))
        private = web.AppRunner(_metrics_app(runtime, workers), access_log=None)
        await private.setup()
        stack.push_async_callback(private.cleanup)
        for drain in drains:
            stack.push_async_callback(drain, SHUTDOWN_GRACE)
        public = web.AppRunner(build_app(runtime, slack, teams), access_log=None)
        await public.setup()
        stack.push_async_callback(public.cleanup)
        await web.TCPSite(public, listener.host, listener.port).start()
        await web.TCPSite(private, listener.metrics_host, listener.metrics_port).start()
        if listener.socket_mode and slack is not None:
            socket = await slack.connect_socket_mode()
            stack.push_async_callback(socket.close_async)
        # Beside the requests, not before them: telling many people takes a while, and the
        # rows from `started` on are this run's own. At shutdown the rest waits for next time.
        telling = asyncio.create_task(_tell_lost(runtime, started), name="tell lost requests")
        stack.push_async_callback(_cancelled, telling)
        yield RunningServer(_url(public), _url(private), work, slack, teams, workers)


async def _tell_lost(runtime: Runtime, started: datetime) -> None:
    try:
        await tell_lost(
            runtime.store, runtime.notifiers, runtime.inbox.owner, received_before=started
        )
    except Exception:  # the rows left wait for the next start; serving goes on
        log.exception("server.tell_lost_failed")


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


def _notify_through(stack: AsyncExitStack, runtime: Runtime, notifier: Notifier) -> None:
    """Approvals post through `notifier` while this server runs; then through the one before."""
    before = runtime.notifiers.get(notifier.channel)
    runtime.notifiers.add(notifier)

    def restore() -> None:
        if before is None:
            runtime.notifiers.by_channel.pop(notifier.channel, None)
        else:
            runtime.notifiers.add(before)

    stack.callback(restore)


def _url(runner: web.AppRunner) -> str:
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}"


async def serve_forever(listener: Listener) -> None:
    """`deskhand serve`: JSON logs on stdout, then serve until SIGINT or SIGTERM."""
    configure_logging(sys.stdout)
    settings = load_settings()
    async with open_runtime(settings, role="serve") as runtime:
        await run_server(runtime, listener)


async def run_server(runtime: Runtime, listener: Listener) -> None:
    """Serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    logs = LogTarget("stdout", logging.INFO)
    async with start_server(runtime, listener, worker_logs=logs) as server:
        log.info(
            "server.started",
            url=server.url,
            metrics=server.metrics_url,
            workers=len(server.workers.pids) if server.workers else 0,
        )
        await stop.wait()
        in_flight = server.work.running + (server.workers.running if server.workers else 0)
        log.info("server.stopping", in_flight=in_flight)
