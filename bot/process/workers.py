"""`WorkerPool`: the hand-off that runs requests in worker processes, at a lower CPU priority.

The serving process acks and queues; each worker (`python -m bot.process.worker`) has its own
runtime (store, Graph clients, router, Slack Web client) and serves what it is sent with the
same code the serving process would use. The process that acks never runs a command on its
event loop, and under saturation the operating system gives it the CPU first.

Nothing is lost on the way: the queue lives here, bounded (`has_room` is false when it is full,
and channels tell people to try again); a worker gets at most `limit` requests at a time; a
worker that dies is logged and started again, and what it held is sent again (once: the
store's delivery claims keep a request that got as far as running from running twice); on
shutdown the queue and the requests in flight are let finish before the workers stop.

Parent and worker speak over a private socket pair in length-prefixed frames: first the
worker's `WorkerSetup` (pickled: it holds the settings, secrets included, and goes nowhere
else), then JSON messages both ways, except for the two sent once per request, which are
binary (`run_frame`, `done_frame`): the serving process pays for them on every command it
hands off, and wrapping a JSON payload in JSON (escaping it, then parsing the answer) cost
it more than the rest of the hand-off.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import pickle
import socket
import struct
import sys
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import structlog
from prometheus_client import CollectorRegistry

from bot.config import Settings
from bot.process.handoff import Serve
from core.errors import ConfigurationError

__all__ = [
    "NICENESS",
    "Job",
    "JobFactory",
    "LogTarget",
    "WorkerPool",
    "WorkerSetup",
    "done_frame",
    "read_frame",
    "read_run_frame",
    "run_frame",
    "write_frame",
]

log = structlog.get_logger("deskhand.workers")

_ROOT = Path(__file__).resolve().parents[2]
_HEADER = struct.Struct(">I")
_START_LIMIT = 60.0
_STOP_LIMIT = 10.0
_METRICS_LIMIT = 5.0
_MAX_ATTEMPTS = 2
NICENESS = 19
"""Workers run at the lowest CPU priority: they take whatever CPU the acks leave, and when
the acks want it all, the backlog fills and slash commands are told to try again."""
_RESTART_DELAYS = (0.0, 0.1, 0.5, 1.0, 5.0)
"""Seconds to wait before starting a worker again, by how many starts failed in a row."""


@dataclass(frozen=True)
class Job:
    """What a worker runs: `serve` for each request; `metrics` are added to the server's."""

    serve: Serve
    metrics: CollectorRegistry | None = None


JobFactory = Callable[[Settings], AbstractAsyncContextManager[Job]]
"""Opens a job for the worker's lifetime, named in `WorkerSetup.job` as `module:function`."""


@dataclass(frozen=True)
class LogTarget:
    """Where workers write their JSON logs: the same stream and level as the server's."""

    stream: Literal["stdout", "stderr"] = "stderr"
    level: int = 20


@dataclass(frozen=True)
class WorkerSetup:
    job: str
    settings: Settings
    limit: int
    niceness: int
    logs: LogTarget
    index: int


async def write_frame(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(_HEADER.pack(len(data)) + data)
    await writer.drain()


async def read_frame(reader: asyncio.StreamReader) -> bytes | None:
    """The next frame, or None when the other side has gone."""
    try:
        header = await reader.readexactly(_HEADER.size)
        return await reader.readexactly(_HEADER.unpack(header)[0])
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


def _message(**fields: object) -> bytes:
    return json.dumps(fields).encode()


_RUN = b"R"
_DONE = b"D"
_ID = struct.Struct(">Q")


def run_frame(request_id: int, payload: bytes) -> bytes:
    """Parent → worker: serve `payload` (the channel's request, UTF-8) as `request_id`."""
    return _RUN + _ID.pack(request_id) + payload


def read_run_frame(frame: bytes) -> tuple[int, str] | None:
    """(request id, payload) when `frame` is a `run_frame`, else None (a JSON message)."""
    if frame[:1] != _RUN:
        return None
    return _ID.unpack_from(frame, 1)[0], frame[1 + _ID.size :].decode()


def done_frame(request_id: int) -> bytes:
    """Worker → parent: `request_id` is finished."""
    return _DONE + _ID.pack(request_id)


@dataclass
class _Request:
    id: int
    payload: bytes
    attempts: int = 0
    done: Callable[[], None] | None = None
    """Told once the request has finished, or will never run."""
    ready: asyncio.Future[None] | None = None
    """Not sent to a worker before this is done (its inbox row is written)."""

    def finished(self) -> None:
        if self.done is not None:
            self.done()


@dataclass(eq=False)
class _Worker:
    index: int
    process: asyncio.subprocess.Process
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    held: dict[int, _Request] = field(default_factory=dict)
    stopping: bool = False


class WorkerPool:
    """`workers` processes running `job`, each up to `limit` requests at a time; up to
    `backlog` more wait here."""

    def __init__(
        self,
        job: str,
        settings: Settings,
        *,
        workers: int,
        limit: int = 16,
        backlog: int = 256,
        niceness: int = NICENESS,
        logs: LogTarget = LogTarget(),
    ) -> None:
        if workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        self._job = job
        self._settings = settings
        self._size = workers
        self._limit = limit
        self._capacity = workers * limit + backlog
        self._niceness = niceness
        self._logs = logs
        self._queue: deque[_Request] = deque()
        self._workers: dict[int, _Worker] = {}
        self._ids = itertools.count(1)
        self._closing = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._failed_starts = 0
        self._answers: dict[int, asyncio.Future[str]] = {}
        self._watched: set[asyncio.Future[None]] = set()
        self.restarts = 0
        """Workers started again after one stopped unasked (for tests and the logs)."""

    # -- the hand-off ----------------------------------------------------------------------

    @property
    def has_room(self) -> bool:
        return not self._closing and self.running < self._capacity

    @property
    def running(self) -> int:
        return len(self._queue) + sum(len(w.held) for w in self._workers.values())

    def submit(
        self,
        payload: str,
        done: Callable[[], None] | None = None,
        *,
        ready: asyncio.Future[None] | None = None,
    ) -> None:
        if self._closing:
            if done is not None:
                done()
            raise RuntimeError("Deskhand is shutting down; no new work is accepted")
        self._queue.append(_Request(next(self._ids), payload.encode(), done=done, ready=ready))
        self._idle.clear()
        self._pump()

    def broadcast(self, payload: str) -> None:
        """Every running worker serves `payload` at once, beside its share of the queue; a
        worker started later has nothing to forget. Its "done" is not waited for."""
        if self._closing:
            return
        for worker in self._workers.values():
            if worker.ready.is_set() and not worker.stopping:
                frame = run_frame(next(self._ids), payload.encode())
                worker.writer.write(_HEADER.pack(len(frame)) + frame)

    async def drain(self, grace: float) -> None:
        """Stop taking work, let what was accepted finish (up to `grace` s), stop the workers."""
        self._closing = True
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning(
                "work.cancelled_at_shutdown", waiting=len(self._queue), running=self.running
            )
        for request in self._queue:
            request.finished()
        self._queue.clear()
        for task in self._tasks:
            task.cancel()  # restarts not begun
        await asyncio.gather(*(self._stop(w) for w in list(self._workers.values())))
        self._workers.clear()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- workers ---------------------------------------------------------------------------

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers.values()]

    async def start(self) -> None:
        """Start every worker; raise ConfigurationError if one cannot start."""
        started = await asyncio.gather(
            *(self._start_worker(i) for i in range(self._size)), return_exceptions=True
        )
        failures = [s for s in started if isinstance(s, BaseException)]
        if failures:
            await self.drain(0)
            raise failures[0]

    async def metrics(self) -> list[str]:
        """Each running worker's metrics in Prometheus' text format."""
        return [
            text
            for text in await asyncio.gather(
                *(self._ask_metrics(w) for w in list(self._workers.values()) if w.ready.is_set())
            )
            if text
        ]

    async def _ask_metrics(self, worker: _Worker) -> str:
        ask = next(self._ids)
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._answers[ask] = answer
        try:
            await write_frame(worker.writer, _message(op="metrics", id=ask))
            return await asyncio.wait_for(answer, _METRICS_LIMIT)
        except (TimeoutError, ConnectionError):
            return ""
        finally:
            self._answers.pop(ask, None)

    async def _start_worker(self, index: int) -> None:
        parent, child = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.process.worker",
                str(child.fileno()),
                cwd=_ROOT,
                pass_fds=(child.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
                # Not a session of its own: with the kernel's autogroup scheduling, a new
                # session would be weighed apart from this one and its niceness not count.
                # Ctrl-C reaches the worker too, which ignores it and waits to be stopped.
            )
        finally:
            child.close()
        reader, writer = await asyncio.open_connection(sock=parent)
        worker = _Worker(index, process, reader, writer)
        self._workers[index] = worker
        setup = WorkerSetup(
            self._job, self._settings, self._limit, self._niceness, self._logs, index
        )
        await write_frame(writer, pickle.dumps(setup))
        listening = asyncio.create_task(self._listen(worker), name=f"worker {index}")
        self._tasks.add(listening)
        listening.add_done_callback(self._tasks.discard)
        ready = asyncio.create_task(worker.ready.wait())
        try:
            async with asyncio.timeout(_START_LIMIT):
                await asyncio.wait({ready, listening}, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            pass
        finally:
            ready.cancel()
        if not worker.ready.is_set():
            raise ConfigurationError(
                f"Deskhand's worker process {index} did not start (status "
                f"{process.returncode}); its log above says why."
            )

    async def _listen(self, worker: _Worker) -> None:
        while (frame := await read_frame(worker.reader)) is not None:
            if frame[:1] == _DONE:
                finished = worker.held.pop(_ID.unpack_from(frame, 1)[0], None)
                if finished is not None:
                    finished.finished()
                self._pump()
                continue
            message: dict[str, Any] = json.loads(frame)
            op = message.get("op")
            if op == "ready":
                self._failed_starts = 0
                worker.ready.set()
            elif op == "metrics":
                answer = self._answers.get(int(message["id"]))
                if answer is not None and not answer.done():
                    answer.set_result(str(message.get("text", "")))
            self._pump()
        status = await worker.process.wait()
        worker.writer.close()
        if not worker.stopping:
            self._lost(worker, status)

    def _lost(self, worker: _Worker, status: int) -> None:
        """A worker stopped unasked: send again what it held, and start another."""
        log.error(
            "worker.crashed", worker=worker.index, status=status, requests_held=len(worker.held)
        )
        if self._workers.get(worker.index) is worker:
            del self._workers[worker.index]
        for request in sorted(worker.held.values(), key=lambda r: r.id, reverse=True):
            request.attempts += 1
            if request.attempts >= _MAX_ATTEMPTS:
                log.error("work.lost", reason="its worker stopped twice while running it")
                request.finished()
            else:
                self._queue.appendleft(request)
        worker.held.clear()
        if not worker.ready.is_set():
            self._failed_starts += 1
        restart = asyncio.create_task(self._restart(worker.index), name=f"restart {worker.index}")
        self._tasks.add(restart)
        restart.add_done_callback(self._tasks.discard)
        self._pump()

    async def _restart(self, index: int) -> None:
        await asyncio.sleep(_RESTART_DELAYS[min(self._failed_starts, len(_RESTART_DELAYS) - 1)])
        self.restarts += 1
        try:
            await self._start_worker(index)
        except ConfigurationError as failure:
            log.error("worker.restart_failed", worker=index, error=failure.message)
        else:
            log.info("worker.restarted", worker=index)
            self._pump()

    async def _stop(self, worker: _Worker) -> None:
        worker.stopping = True
        with suppress(ConnectionError):
            await write_frame(worker.writer, _message(op="stop"))
        try:
            async with asyncio.timeout(_STOP_LIMIT):
                await worker.process.wait()
        except TimeoutError:
            log.warning("worker.killed", worker=worker.index)
            with suppress(ProcessLookupError):
                worker.process.kill()
            await worker.process.wait()
        worker.writer.close()

    def _pump(self) -> None:
        """Give waiting requests to workers with a free slot, in order: the first whose inbox
        row is not written yet holds back those behind it (written in the same batch or a
        later one), until its batch is written; note when all is done."""
        for worker in self._workers.values():
            if not worker.ready.is_set() or worker.stopping:
                continue
            while self._queue and len(worker.held) < self._limit:
                if self._held_back(self._queue[0]):
                    break
                request = self._queue.popleft()
                worker.held[request.id] = request
                frame = run_frame(request.id, request.payload)
                worker.writer.write(_HEADER.pack(len(frame)) + frame)
        if self.running == 0:
            self._idle.set()

    def _held_back(self, request: _Request) -> bool:
        ready = request.ready
        if ready is None or ready.done():
            return False
        if ready not in self._watched:
            self._watched.add(ready)
            ready.add_done_callback(self._on_ready)
        return True

    def _on_ready(self, ready: asyncio.Future[None]) -> None:
        self._watched.discard(ready)
        self._pump()
