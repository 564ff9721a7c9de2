"""Writing to the audit log: each entry signed with the current key, then its head anchored."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.audit.anchors import AnchorFile
from bot.audit.keys import Keyring, load_keyring
from bot.config import Settings
from bot.store import Store
from bot.store.audit import AuditEntry, AuditRecord, append_audit

__all__ = ["Also", "AuditLog", "open_audit_log"]

Also = Callable[[AsyncConnection], Awaitable[None]]
"""A write made in the audit entry's own transaction."""

log = structlog.get_logger("deskhand.audit")


@dataclass(frozen=True)
class AuditLog:
    """The process's way into `audit_log`: the store, the keyring, and this replica's anchors."""

    store: Store
    keyring: Keyring
    anchors: AnchorFile

    async def append(self, entry: AuditEntry, *, also: Also | None = None) -> AuditRecord:
        """Write `entry` in a transaction of its own, with `also` (the change it records, so
        both are made or neither), then anchor the head it made."""
        async with self.store.engine.begin() as conn:
            record = await append_audit(conn, entry, self.keyring.current)
            if also is not None:
                await also(conn)
        # After the commit: an anchor names only rows that exist, so it never raises a false
        # alarm; a failing write loses one anchor, never the row.
        try:
            await asyncio.to_thread(self.anchors.write, record)
        except OSError as exc:
            log.warning(
                "audit.anchor_failed",
                path=str(self.anchors.path),
                error=exc.strerror or type(exc).__name__,
            )
        return record


async def open_audit_log(settings: Settings, store: Store) -> AuditLog:
    """The audit log as configured; the key file is made on first use when there is none."""
    keyring = await asyncio.to_thread(load_keyring, settings, create=True)
    anchors = AnchorFile(settings.audit_anchor_file, settings.replica)
    return AuditLog(store, keyring, anchors)
