"""The audit log: every command, who ran it where, on what, and how it ended. Append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import audit_log

__all__ = ["AuditEntry", "AuditRecord", "GraphRequestIds", "append_audit", "list_audit"]

DETAIL_MAX = 500
TARGET_MAX = 512


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


async def append_audit(conn: AsyncConnection, entry: AuditEntry) -> AuditRecord:
    """Write one entry (stamped now unless it carries its time) and return it as stored."""
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
    }
    result = await conn.execute(insert(audit_log).values(values).returning(*audit_log.c))
    return _record(result.mappings().one())


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
    )
