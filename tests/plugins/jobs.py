"""DBOS is one per process: each test that ran a job stops it on its own event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.jobs.service import stop_process_jobs


@pytest.fixture(autouse=True)
async def _jobs_stopped() -> AsyncIterator[None]:
    yield
    await stop_process_jobs()
