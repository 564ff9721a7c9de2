"""The audit log: every command, who ran it where, on what, and how it ended. Append-only.

Rows are chained: each row's `hash` is the HMAC-SHA256, under a key kept outside the database,
of its canonical JSON (`row_mac`), which includes the previous row's hash, its sequence number
and the key's id; so editing, removing or inserting a row anywhere but at the end breaks the
chain, and whoever lacks the key cannot re-link it. Rows written before the key existed carry no
`key_id` and a plain SHA-256 (`row_hash`); the first keyed row seals them. Appends are serialised
so two writers never chain onto the same head; anchoring each head outside the database
(`bot.audit.anchors`) makes removing the newest rows detectable too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.tables import audit_log

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditLogReader",
    "AuditRecord",
    "ChainHead",
    "ChainKey",
    "GraphRequestIds",
    "append_audit",
    "audit_rows_after",
    "chain_head",
    "count_audit",
    "list_audit",
    "row_hash",
    "row_mac",
]

DETAIL_MAX = 500
TARGET_MAX = 512
GENESIS_HASH = "0" * 64
"""The `prev_hash` of the first row."""
# The same constant in every replica; distinct from the migration lock's.
_PG_APPEND_LOCK = 0x6175646974636861
_HASHED = (
    "at",
    "actor",
    "channel",
    "tenant",
    "command",
    "target",
    "outcome",
    "detail",
    "graph_request_ids",
    "correlation_id",
    "approval",
    "reason",
    "prev_hash",
)
# A keyed row signs where it stands and which key signed it, besides what a legacy row hashed.
_SIGNED = (*_HASHED, "seq", "key_id")


@dataclass(frozen=True)
class GraphRequestIds:
    """The ids Microsoft support asks for: `request-id` and `client-request-id`."""

    request_id: str
    client_request_id: str = ""


@dataclass(frozen=True)
class AuditEntry:
    """What happened; `detail` must be safe to show (never raw exception text or secrets)."""

    actor: str
    channel: str
    command: str
    outcome: str
    correlation_id: str
    tenant: str | None = None
    target: str | None = None
    detail: str = ""
    graph_request_ids: tuple[GraphRequestIds, ...] = ()
    at: datetime | None = None
    approval: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    channel: str
    tenant: str | None
    command: str
    target: str | None
    outcome: str
    detail: str
    correlation_id: str
    graph_request_ids: tuple[GraphRequestIds, ...]
    approval: str | None
    reason: str | None
    prev_hash: str
    hash: str
    seq: int | None = None
    """The row's place in the chain, from 1; None on rows written before the chain was keyed."""
    key_id: str | None = None
    """Which key signed the row; None on the legacy rows, which carry a plain SHA-256."""


@dataclass(frozen=True)
class ChainHead:
    """The newest row: publish `hash` elsewhere and a rewritten table no longer matches it."""

    id: int
    hash: str
    at: datetime
    seq: int | None = None


@dataclass(frozen=True)
class ChainKey:
    """A key the chain is signed with: its id goes in each row, the secret never does."""

    id: str
    secret: bytes = field(repr=False)


def row_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 of a legacy (unkeyed) row's canonical JSON: what rows carried before keying."""
    return hashlib.sha256(_canonical(row, _HASHED)).hexdigest()


def row_mac(key: ChainKey, row: Mapping[str, Any]) -> str:
    """HMAC-SHA256 under `key` of the row's canonical JSON, `prev_hash`, `seq` and `key_id` in."""
    return hmac.new(key.secret, _canonical(row, _SIGNED), hashlib.sha256).hexdigest()


def _canonical(row: Mapping[str, Any], names: tuple[str, ...]) -> bytes:
    """Sorted keys, no whitespace, UTC microsecond times; the id is the database's, left out."""
    content = {name: row[name] for name in names}
    content["at"] = row["at"].astimezone(UTC).isoformat(timespec="microseconds")
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return canonical.encode()


async def append_audit(conn: AsyncConnection, entry: AuditEntry, key: ChainKey) -> AuditRecord:
    """Write one entry (stamped now unless it carries its time), signed with `key`.

    Call it first in its transaction: on SQLite the chain's lock is the database's write
    lock, which a transaction that has already read may not be able to take.
    """
    await _lock_chain(conn)
    head = await chain_head(conn)
    values: dict[str, Any] = {
        "at": entry.at or datetime.now(UTC),
        "actor": entry.actor,
        "channel": entry.channel,
        "tenant": entry.tenant,
        "command": entry.command,
        "target": entry.target[:TARGET_MAX] if entry.target else entry.target,
        "outcome": entry.outcome,
        "detail": entry.detail[:DETAIL_MAX],
        "graph_request_ids": [
            {"request_id": ids.request_id, "client_request_id": ids.client_request_id}
            for ids in entry.graph_request_ids
        ],
        "correlation_id": entry.correlation_id,
        "approval": entry.approval,
        "reason": entry.reason,
        "prev_hash": GENESIS_HASH if head is None else head.hash,
        "seq": await _next_seq(conn, head),
        "key_id": key.id,
    }
    values["hash"] = row_mac(key, values)
    result = await conn.execute(insert(audit_log).values(values).returning(*audit_log.c))
    return _record(result.mappings().one())


async def chain_head(conn: AsyncConnection) -> ChainHead | None:
    """The newest row's id, hash and time; None while the log is empty."""
    query = select(audit_log.c.id, audit_log.c.hash, audit_log.c.at, audit_log.c.seq)
    row = (await conn.execute(query.order_by(audit_log.c.id.desc()).limit(1))).first()
    return None if row is None else ChainHead(id=row.id, hash=row.hash, at=row.at, seq=row.seq)


async def count_audit(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(audit_log))).scalar_one())


async def audit_rows_after(conn: AsyncConnection, after_id: int, limit: int) -> list[AuditRecord]:
    """Up to `limit` rows with ids above `after_id`, oldest first: the log a page at a time."""
    query = select(audit_log).where(audit_log.c.id > after_id).order_by(audit_log.c.id)
    result = await conn.execute(query.limit(limit))
    return [_record(row) for row in result.mappings()]


@dataclass(frozen=True)
class AuditLogReader:
    """`/audit`'s view of the log: each read in a short transaction of its own."""

    engine: AsyncEngine

    async def recent(
        self,
        *,
        tenant: str | None,
        actor: str | None,
        target: str | None,
        since: datetime | None,
        limit: int,
    ) -> list[AuditRecord]:
        async with self.engine.connect() as conn:
            return await list_audit(
                conn, tenant=tenant, actor=actor, target=target, since=since, limit=limit
            )


async def _lock_chain(conn: AsyncConnection) -> None:
    """Hold the chain until commit, so the head read next is still the head at insert."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_APPEND_LOCK})
    else:
        # A write statement takes SQLite's write lock (waiting out the busy timeout) even
        # when it matches no row, which makes this deferred transaction an immediate one.
        await conn.execute(text("DELETE FROM audit_log WHERE 0"))


async def _next_seq(conn: AsyncConnection, head: ChainHead | None) -> int:
    """One past the head's place; after legacy rows (no `seq`), one past how many there are."""
    if head is None:
        return 1
    if head.seq is not None:
        return head.seq + 1
    return await count_audit(conn) + 1


async def list_audit(
    conn: AsyncConnection,
    *,
    tenant: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditRecord]:
    """Entries matching every filter given, newest first."""
    query = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    for column, wanted in (
        (audit_log.c.tenant, tenant),
        (audit_log.c.actor, actor),
        (audit_log.c.target, target),
    ):
        if wanted is not None:
            query = query.where(column == wanted)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    result = await conn.execute(query)
    return [_record(row) for row in result.mappings()]


def _record(row: RowMapping) -> AuditRecord:
    return AuditRecord(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        channel=row["channel"],
        tenant=row["tenant"],
        command=row["command"],
        target=row["target"],
        outcome=row["outcome"],
        detail=row["detail"],
        correlation_id=row["correlation_id"],
        graph_request_ids=tuple(
            GraphRequestIds(item["request_id"], item.get("client_request_id", ""))
            for item in row["graph_request_ids"]
        ),
        approval=row["approval"],
        reason=row["reason"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        seq=row["seq"],
        key_id=row["key_id"],
    )
