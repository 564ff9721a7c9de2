"""`deskhand serve` in a process of its own, for tests that stop or kill it."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bench.sandbox_process import stop_process

__all__ = ["bound_url", "discard_output", "serving", "wait_ready"]

ROOT = Path(__file__).resolve().parents[2]
CLI = "from bot.operator.cli import main; main()"


@asynccontextmanager
async def serving(
    http: httpx.AsyncClient, environment: Mapping[str, str], limit: float
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """`deskhand serve` in a process of its own on an ephemeral port, with `environment`;
    yields the process and its URL once /readyz answers, and stops it after."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLI,
        "serve",
        "--host=127.0.0.1",
        "--port=0",
        "--metrics-port=0",
        cwd=ROOT,
        env=dict(environment),
        stdout=asyncio.subprocess.PIPE,
    )
    drain: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(limit):
            url = await bound_url(process)
            drain = asyncio.create_task(discard_output(process))
            await wait_ready(http, url, process)
        yield process, url
    finally:
        if drain is not None:
            drain.cancel()
        await stop_process(process)


async def bound_url(process: asyncio.subprocess.Process) -> str:
    """The URL the server bound (port 0: the kernel chose), from its start-up log line."""
    assert process.stdout is not None
    while line := await process.stdout.readline():
        event = json.loads(line) if line.startswith(b"{") else {}
        if event.get("event") == "server.started":
            return str(event["url"])
    raise AssertionError(f"deskhand serve stopped before it started ({await process.wait()})")


async def wait_ready(
    http: httpx.AsyncClient, url: str, process: asyncio.subprocess.Process
) -> None:
    """Polls /readyz until the store answers and Slack is served (the caller's deadline)."""
    while process.returncode is None:
        try:
            answer = await http.get(f"{url}/readyz")
        except httpx.TransportError:
            answer = None
        if answer is not None and answer.status_code == 200 and answer.json().get("slack"):
            return
        await asyncio.sleep(0.05)  # a polling interval, not a wait for something to happen
    raise AssertionError(f"deskhand serve exited ({process.returncode}) before it was ready")


async def discard_output(process: asyncio.subprocess.Process) -> None:
    """Keep reading the server's logs so a full pipe never blocks it."""
    assert process.stdout is not None
    while await process.stdout.readline():
        pass
