"""The embedded sandbox's tenants kept in a file, so each `deskhand run` meets the same tenant.

Every process (`deskhand run`, the console, `deskhand serve`) starts its own sandbox; without a
file, `/block` in one run would be forgotten by the next while the audit log remembers it. The
file holds what requests change — each tenant's directory (users, groups, licences, roles,
deleted items, authentication methods, TAP policy, per-user MFA, sessions) and its Exchange
mailboxes — as JSON keyed by tenant name, stamped with the layout of those records.

Several processes may share one file. A change runs under an exclusive lock on a side file,
after reloading the tenants if another process replaced the file since, and is written to a
temporary file renamed over the old one: readers never see half a file, and the last writer
never undoes another's change. A read reloads a replaced file first (one `stat` per request).
A file of another layout, or one that cannot be read, is replaced by the seeded tenants with a
one-line note.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from sandbox.exchange.mailboxes import ExchangeOrg

from .model import Directory
from .tenant import SandboxTenant

__all__ = ["LAYOUT", "StateFile", "state_path"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Stored:
    directory: Directory
    exchange: ExchangeOrg


_TENANTS = TypeAdapter(dict[str, _Stored])
# Derived from the records' schema, so a field added to the model changes it without anyone
# remembering to bump a number.
LAYOUT = hashlib.sha256(json.dumps(_TENANTS.json_schema(), sort_keys=True).encode()).hexdigest()[
    :12
]

_FileId = tuple[int, int, int]


def state_path(home: Path) -> Path:
    """Where the embedded sandbox of a Deskhand home keeps its tenants."""
    return home / "sandbox" / "state.json"


class _Unusable(Exception):
    """The file exists but holds no tenants this version can use; the message says why."""


class StateFile:
    """One sandbox's view of the shared file: which version it last saw, and what it wrote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._seen: _FileId | None = None
        self._saved = b""
        # One change at a time in this process; the file lock covers the other processes.
        self._changing = asyncio.Lock()

    def open(self, tenants: Mapping[str, SandboxTenant]) -> str | None:
        """Put the stored tenants over the seeded `tenants`, or store the seed when there is
        nothing usable yet. Blocking: run in a thread. Returns the note about a file replaced."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            try:
                self._load_if_replaced(tenants)
                note = None
            except _Unusable as problem:
                note = f"{problem}; starting again from the seeded sandbox tenants."
                _log.warning(note)
            if self._seen is None:
                self._write(tenants)
        return note

    def reset(self, tenants: Mapping[str, SandboxTenant]) -> None:
        """Store these (freshly seeded) tenants over whatever the file holds. Blocking."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            self._write(tenants)

    @asynccontextmanager
    async def reading(self, tenants: Mapping[str, SandboxTenant]) -> AsyncIterator[None]:
        """Around a handler that only reads: another process's change is loaded first."""
        if self._current() != self._seen:
            async with self._changing:
                await asyncio.to_thread(self._reload, tenants)
        yield

    @asynccontextmanager
    async def changing(self, tenants: Mapping[str, SandboxTenant]) -> AsyncIterator[None]:
        """Around a handler that may change tenants: the newest file is loaded under the
        lock, and what the handler left is stored before the lock is let go."""
        async with self._changing:
            lock = await asyncio.to_thread(self._acquire)
            try:
                await asyncio.to_thread(self._reload, tenants)
                yield
            finally:
                try:
                    await asyncio.to_thread(self._save, tenants)
                finally:
                    os.close(lock)

    def _reload(self, tenants: Mapping[str, SandboxTenant]) -> None:
        try:
            self._load_if_replaced(tenants)
        except _Unusable as problem:
            # Another process wrote something this version cannot read; the next change here
            # stores this process's tenants over it.
            _log.warning("%s; keeping the sandbox tenants in memory.", problem)

    def _save(self, tenants: Mapping[str, SandboxTenant]) -> None:
        if _dump(tenants) != self._saved:
            self._write(tenants)

    def _load_if_replaced(self, tenants: Mapping[str, SandboxTenant]) -> None:
        try:
            file = self.path.open("rb")
        except FileNotFoundError:
            return
        with file:
            seen = _file_id(os.fstat(file.fileno()))
            if seen == self._seen:
                return
            raw = file.read()
        stored = self._parse(raw)
        for name, record in stored.items():
            if tenant := tenants.get(name):
                tenant.directory, tenant.exchange = record.directory, record.exchange
        self._seen, self._saved = seen, _dump(tenants)

    def _parse(self, raw: bytes) -> dict[str, _Stored]:
        try:
            document: Any = json.loads(raw)
        except ValueError as error:
            raise _Unusable(f"Sandbox state {self.path} is not JSON ({error})") from None
        layout = document.get("layout") if isinstance(document, dict) else None
        if layout != LAYOUT:
            raise _Unusable(
                f"Sandbox state {self.path} has an older layout ({layout or 'none'}, now {LAYOUT})"
            )
        try:
            return _TENANTS.validate_python(document.get("tenants"))
        except ValidationError as error:
            count = error.error_count()
            raise _Unusable(
                f"Sandbox state {self.path} does not match layout {LAYOUT} ({count} errors)"
            ) from None

    def _write(self, tenants: Mapping[str, SandboxTenant]) -> None:
        body = _dump(tenants)
        document = b'{"layout": "%s", "tenants": %s}\n' % (LAYOUT.encode(), body)
        handle, temporary = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(document)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._seen, self._saved = _file_id(self.path.stat()), body

    def _current(self) -> _FileId | None:
        try:
            return _file_id(self.path.stat())
        except FileNotFoundError:
            return None

    def _acquire(self) -> int:
        descriptor = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # released when the descriptor is closed
        return descriptor

    @contextmanager
    def _locked(self) -> Iterator[None]:
        descriptor = self._acquire()
        try:
            yield
        finally:
            os.close(descriptor)


def _dump(tenants: Mapping[str, SandboxTenant]) -> bytes:
    records = {name: _Stored(t.directory, t.exchange) for name, t in tenants.items()}
    return _TENANTS.dump_json(records)


def _file_id(stat: os.stat_result) -> _FileId:
    """A replaced file is a new inode; size and time catch an edit in place."""
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
