"""One worker process of `deskhand serve`: `python -m bot.process.worker FD`, started by
`WorkerPool`.

It reads its `WorkerSetup` from the socket `FD`, lowers its own CPU priority (idle scheduling
on Linux, else niceness), opens its job (for Slack: a runtime of its own and the Slack
channel's serving half) and then serves each request it is sent, reporting each one done. It
ignores SIGINT and SIGTERM: the serving process decides when it stops (after draining), and if
that process goes away the worker finishes what it holds and exits.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import pickle
import signal
import socket
import sys
from contextlib import suppress

import structlog
from prometheus_client import generate_latest

from bot.process.logs import configure_logging
from bot.process.tasks import WorkGroup
from bot.process.workers import (
    Job,
    JobFactory,
    WorkerSetup,
    done_frame,
    read_frame,
    read_run_frame,
    write_frame,
)

__all__ = ["main"]

log = structlog.get_logger("deskhand.worker")

_ORPHAN_GRACE = 30.0
"""How long requests in flight may go on after the serving process has gone."""


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    asyncio.run(_work(socket.socket(fileno=int(sys.argv[1]))))


async def _work(channel: socket.socket) -> None:
    reader, writer = await asyncio.open_connection(sock=channel)
    frame = await read_frame(reader)
    if frame is None:
        return
    setup: WorkerSetup = pickle.loads(frame)
    stream = sys.stdout if setup.logs.stream == "stdout" else sys.stderr
    configure_logging(stream, level=setup.logs.level)
    structlog.contextvars.bind_contextvars(worker=setup.index)
    _lower_priority(setup.niceness)
    work = WorkGroup(limit=setup.limit, backlog=0)
    async with _factory(setup.job)(setup.settings) as job:
        await write_frame(writer, json.dumps({"op": "ready"}).encode())
        grace = _ORPHAN_GRACE
        while (frame := await read_frame(reader)) is not None:
            run = read_run_frame(frame)
            if run is not None:
                work.spawn(_run(job, *run, writer), name="request")
                continue
            message = json.loads(frame)
            if message["op"] == "metrics":
                text = generate_latest(job.metrics).decode() if job.metrics else ""
                answer = {"op": "metrics", "id": message["id"], "text": text}
                await write_frame(writer, json.dumps(answer).encode())
            elif message["op"] == "stop":
                grace = 0.0  # the serving process has waited for the work as long as it may
                break
        await work.drain(grace)
    writer.close()


async def _run(job: Job, request_id: int, payload: str, writer: asyncio.StreamWriter) -> None:
    try:
        await job.serve(payload)
    finally:
        with suppress(ConnectionError):
            await write_frame(writer, done_frame(request_id))


def _lower_priority(niceness: int) -> None:
    """Idle scheduling where the system has it (Linux): whenever another process wants the
    CPU, the server's acks first, it preempts this one at once, which niceness alone does not
    do (a woken process may wait out the niced one's time slice). Niceness elsewhere."""
    os.nice(niceness)
    if hasattr(os, "SCHED_IDLE"):
        with suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _factory(name: str) -> JobFactory:
    module, _, attribute = name.partition(":")
    factory: JobFactory = getattr(importlib.import_module(module), attribute)
    return factory


if __name__ == "__main__":
    main()
