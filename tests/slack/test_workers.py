"""The hand-off to worker processes: real processes, a recorder on loopback as their work."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import load_settings
from bot.process.workers import WorkerPool

JOB = "tests.slack.worker_jobs:recording_job"


@dataclass
class Recorder:
    """Counts the requests workers serve; holds those named in `held` until `release`."""

    url: str = ""
    started: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    held: set[str] = field(default_factory=set)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def payload(self, name: str) -> str:
        return json.dumps({"url": self.url, "name": name})

    async def handle(self, request: web.Request) -> web.Response:
        name = await request.text()
        await self._note(self.started, name)
        if name in self.held:
            await self.release.wait()
        await self._note(self.finished, name)
        return web.Response(text="ok")

    async def _note(self, names: list[str], name: str) -> None:
        async with self._changed:
            names.append(name)
            self._changed.notify_all()

    async def wait_started(self, name: str, times: int = 1) -> None:
        async with asyncio.timeout(30), self._changed:
            await self._changed.wait_for(lambda: self.started.count(name) >= times)


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_post("/run", recorder.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        recorder.url = f"http://{host}:{port}/run"
        yield recorder
    finally:
        recorder.release.set()
        await runner.cleanup()


@pytest.fixture
async def start_pool(tmp_path: Path) -> AsyncIterator[object]:
    pools: list[WorkerPool] = []

    async def start(**options: int) -> WorkerPool:
        settings = load_settings(home=tmp_path / "home", tenants={})
        pool = WorkerPool(JOB, settings, **{"workers": 1, **options})
        pools.append(pool)
        await pool.start()
        return pool

    yield start
    for pool in pools:
        await pool.drain(0)


async def test_each_request_runs_once_in_a_worker_process(
    recorder: Recorder, start_pool: object
) -> None:
    pool: WorkerPool = await start_pool(workers=2, limit=2)  # type: ignore[operator]
    names = [f"r{n}" for n in range(20)]
    for name in names:
        pool.submit(recorder.payload(name))
    await pool.drain(30)
    assert sorted(recorder.finished) == sorted(names)
    assert os.getpid() not in pool.pids


async def test_a_full_backlog_has_no_room_and_every_request_accepted_still_runs(
    recorder: Recorder, start_pool: object
) -> None:
    pool: WorkerPool = await start_pool(limit=1, backlog=1)  # type: ignore[operator]
    recorder.held.add("first")
    pool.submit(recorder.payload("first"))
    await recorder.wait_started("first")
    assert pool.has_room
    pool.submit(recorder.payload("second"))
    assert not pool.has_room
    recorder.release.set()
    await pool.drain(30)
    assert recorder.finished == ["first", "second"]


async def test_shutdown_waits_for_the_request_in_flight_and_refuses_new_ones(
    recorder: Recorder, start_pool: object
) -> None:
    pool: WorkerPool = await start_pool()  # type: ignore[operator]
    recorder.held.add("slow")
    pool.submit(recorder.payload("slow"))
    await recorder.wait_started("slow")
    draining = asyncio.create_task(pool.drain(30))
    await asyncio.sleep(0)  # let the drain begin before trying to add more
    with pytest.raises(RuntimeError):
        pool.submit(recorder.payload("late"))
    assert not pool.has_room
    assert not draining.done()
    recorder.release.set()
    await draining
    assert recorder.finished == ["slow"]
    assert pool.pids == []


async def test_a_crashed_worker_is_restarted_and_gets_its_request_again(
    recorder: Recorder, start_pool: object
) -> None:
    pool: WorkerPool = await start_pool()  # type: ignore[operator]
    recorder.held.add("held")
    pool.submit(recorder.payload("held"))
    await recorder.wait_started("held")
    [crashed] = pool.pids
    os.kill(crashed, signal.SIGKILL)
    await recorder.wait_started("held", times=2)
    assert pool.restarts == 1
    assert pool.pids != [crashed]
    recorder.release.set()
    pool.submit(recorder.payload("after"))
    await pool.drain(30)
    assert recorder.finished.count("after") == 1


async def test_a_broadcast_reaches_every_worker(recorder: Recorder, start_pool: object) -> None:
    pool: WorkerPool = await start_pool(workers=2)  # type: ignore[operator]
    pool.broadcast(recorder.payload("news"))
    await recorder.wait_started("news", times=2)
    await pool.drain(30)
    assert recorder.finished == ["news", "news"]
    assert pool.running == 0  # a broadcast is never waited for
