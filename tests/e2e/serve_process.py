"""`deskhand serve` in a process of its own, for tests that stop or kill it."""

from __future__ import annotations

import asyncio
import json

import httpx

__all__ = ["bound_url", "discard_output", "wait_ready"]


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
