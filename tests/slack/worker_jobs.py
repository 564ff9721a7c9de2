"""A job for worker processes in tests: each request is a name and a recorder's URL, and
serving it is one POST of the name to the recorder (`tests.slack.test_workers`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from bot.config import Settings
from bot.process.workers import Job


@asynccontextmanager
async def recording_job(settings: Settings) -> AsyncIterator[Job]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def serve(payload: str) -> None:
            request = json.loads(payload)
            async with session.post(request["url"], data=request["name"]) as response:
                response.raise_for_status()

        yield Job(serve)
