"""DBOS Transact in this process: launched on Deskhand's own database, under an executor id of
its own, with a lease that tells the other processes it is alive.

What DBOS 3.4 does and does not do, and what this module does about it:
- Every process is executor "local" unless told otherwise, and start-up recovery re-runs that
  id's pending workflows: two processes would run the same work. So each process has its own
  id (`executor_id`): a server keeps one per host and home across restarts, so a restarted
  server resumes its own jobs at once; a console or `deskhand run` gets a new one each time.
- Self-hosted DBOS has no heartbeat. Each process renews a row in `replica_leases`; once a
  lease has run out, the first live process to claim it asks DBOS to recover that executor's
  pending workflows. DBOS recovers only workflows of the same application version, so the
  version is `JOBS_VERSION`, changed only when a workflow's steps change incompatibly.
- DBOS is one per process (a module-level singleton). Queued and recovered workflows run on
  the event loop that runs Deskhand, beside the clients they use.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from dbos import DBOS

from bot.jobs.host import DELAYED_QUEUE
from bot.store import Store
from bot.store.jobs import Lease, claim_expired, has_expired, release, renew

__all__ = [
    "JOBS_VERSION",
    "LEASE_SECONDS",
    "JobEngine",
    "Lost",
    "configured_lease",
    "executor_id",
]

log = structlog.get_logger("deskhand.jobs")

JOBS_VERSION = "deskhand-jobs-1"
"""DBOS's application version. Jobs started under another version are not recovered by this
one: change it only when a workflow's steps change in a way a half-run job could not follow."""

LEASE_SECONDS = 20.0
"""How long a process counts as alive after its last renewal; it renews every quarter of it."""


def configured_lease() -> float:
    """`DESKHAND_LEASE_SECONDS` when set (tests shorten it to see a dead process recovered
    in seconds), else `LEASE_SECONDS`."""
    configured = os.environ.get("DESKHAND_LEASE_SECONDS", "").strip()
    return float(configured) if configured else LEASE_SECONDS


Lost = Callable[[str], Awaitable[object]]
"""Called with the executor id of a dead process once its lease is claimed (tell its people)."""


def executor_id(role: str, home: Path) -> str:
    """`DESKHAND_EXECUTOR_ID` when set (a replica's stable name), else: for a server, one id
    per host and home, the same after a restart; for anything else, one per process."""
    configured = os.environ.get("DESKHAND_EXECUTOR_ID", "").strip()
    if configured:
        return configured[:128]
    host = socket.gethostname()[:60]
    if role == "serve":
        digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:8]
        return f"{host}-serve-{digest}"
    return f"{host}-{role}-{os.getpid()}"


def _dbos() -> type[DBOS]:
    """DBOS, imported when jobs start (`bot.jobs.host` says why)."""
    from dbos import DBOS

    return DBOS


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobEngine:
    """DBOS for this process: `start` launches it and takes the lease, `close` stops both."""

    store: Store
    executor: str
    role: str
    on_lost: Lost | None = None
    queues: tuple[str, ...] = ()
    """Queues this process runs besides the delayed deletions' (a server's digests)."""
    clock: Callable[[], datetime] = _now
    lease_seconds: float = field(default_factory=configured_lease)
    _renewing: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _started: datetime | None = field(default=None, init=False, repr=False)

    async def start(self) -> None:
        """Takes the lease first, so a process that dies while launching is still recovered."""
        self._started = self.clock()
        await self._renew()
        from dbos import DBOSConfig

        config = DBOSConfig(
            name="deskhand",
            system_database_url=self.store.url.sync_url.render_as_string(hide_password=False),
            application_version=JOBS_VERSION,
            # Beside Deskhand's own tables when the store names a schema (a PostgreSQL
            # search_path), so two Deskhands on one database never share a queue.
            dbos_system_schema=self.store.url.schema or "dbos",
            executor_id=self.executor,
            log_level="WARNING",
            # Stopping waits for this poller's next beat: a short one lets `deskhand run`
            # exit promptly. On SQLite it is one small read per beat.
            notification_listener_polling_interval_sec=0.2,
        )
        dbos = _dbos()(config=config)
        # Only the queues named here are dequeued by this process: a console enqueues digest
        # runs (DBOS's scheduler thread runs in every process) but never runs them.
        _dbos().listen_queues([DELAYED_QUEUE, *self.queues])
        # Launching migrates DBOS's tables, so it runs in a thread: on the loop it would wait
        # on the SQLite write lock that this loop's own store connections hold. Queued and
        # recovered workflows must still run on this loop, so it is named before the launch.
        dbos._background_event_loop.set_main_loop()
        await asyncio.to_thread(_dbos().launch)
        log.info("jobs.started", executor=self.executor, version=JOBS_VERSION)
        await self.recover_dead()
        self._renewing = asyncio.create_task(self._keep_alive(), name="job lease")

    async def close(self) -> None:
        """Stops DBOS. The lease is given up only when this process leaves no job half run;
        otherwise it runs out, and a live process recovers the jobs."""
        if self._renewing is not None:
            self._renewing.cancel()
            with suppress(asyncio.CancelledError):
                await self._renewing
        pending = await self._settling()
        await asyncio.to_thread(_dbos().destroy)
        # DBOS made its thread pool this loop's default executor and has just shut it down:
        # whatever runs on this loop after it (another runtime, say) needs a pool of its own.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor())
        if not pending:
            async with self.store.engine.begin() as conn:
                await release(conn, self.executor)
        else:
            log.warning("jobs.left_running", executor=self.executor, jobs=len(pending))

    async def _settling(self, patience: float = 10.0) -> list[object]:
        """This process's jobs still running, after waiting up to `patience` seconds for
        those ending now (a reply is sent before its workflow records that it ended)."""
        deadline = asyncio.get_running_loop().time() + patience
        while True:
            pending: list[object] = list(
                await _dbos().list_workflows_async(
                    status=["PENDING"], executor_id=self.executor, load_input=False
                )
            )
            if not pending or asyncio.get_running_loop().time() >= deadline:
                return pending
            await asyncio.sleep(0.05)

    async def recover_dead(self) -> list[str]:
        """Claims every lease that ran out and recovers its process's jobs here."""
        async with self.store.engine.begin() as conn:
            dead = await claim_expired(conn, self.clock())
        recovered: list[str] = []
        for lease in dead:
            if lease.executor_id == self.executor:
                continue  # DBOS recovered this id's own work when it launched
            handles = await asyncio.to_thread(
                _dbos()._recover_pending_workflows, [lease.executor_id]
            )
            log.info("jobs.recovered", dead=lease.executor_id, jobs=len(handles))
            recovered.extend(handle.get_workflow_id() for handle in handles)
            if self.on_lost is not None:
                await self.on_lost(lease.executor_id)
        return recovered

    async def dead_left_work(self) -> bool:
        """Whether a process died leaving a lease behind (and maybe jobs half run)."""
        async with self.store.engine.connect() as conn:
            return await has_expired(conn, self.clock())

    async def _renew(self) -> None:
        now = self.clock()
        lease = Lease(
            executor_id=self.executor,
            role=self.role,
            host=socket.gethostname()[:256],
            pid=os.getpid(),
            app_version=JOBS_VERSION,
            started_at=self._started or now,
            renewed_at=now,
            expires_at=now + timedelta(seconds=self.lease_seconds),
        )
        async with self.store.engine.begin() as conn:
            await renew(conn, lease)

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 4)
            try:
                await self._renew()
                await self.recover_dead()
            except Exception:
                # The next beat tries again; a lease that runs out meanwhile is recovered by
                # another process, which is the point of the lease.
                log.exception("jobs.lease_failed", executor=self.executor)
