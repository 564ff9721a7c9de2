from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.store import Store
from bot.store.audit import AuditEntry, AuditLogReader, append_audit
from cards.reply import Reply
from commands.audit import AuditArgs, audit_command
from commands.kit.arguments import bind_arguments
from commands.kit.context import TenantInfo
from commands.kit.registry import REGISTRY, Role
from commands.kit.services import AuditReader
from core.errors import UsageError
from tests.commands.replies import column, notices, tables
from tests.plugins.store import AUDIT_KEY

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CONTOSO = TenantInfo("contoso", "Contoso", "contoso.com", "00000000-0000-0000-0000-00000000c0de")


@dataclass(frozen=True)
class AuditOnlyContext:
    """What /audit reads from the command context, backed by a real store."""

    current_tenant: TenantInfo
    audit: AuditReader
    now: datetime = NOW


async def seed(store: Store, *entries: dict[str, Any]) -> None:
    async with store.engine.begin() as conn:
        for number, fields in enumerate(entries):
            values: dict[str, Any] = {
                "actor": "slack:megan",
                "channel": "slack",
                "command": "user",
                "outcome": "ok",
                "correlation_id": f"req-{number}",
                "tenant": "contoso",
                "target": "adele@contoso.com",
            }
            await append_audit(conn, AuditEntry(**(values | fields)), AUDIT_KEY)


async def run(store: Store, line: str) -> Reply:
    spec = REGISTRY.get("audit")
    assert spec is not None
    args = bind_arguments(spec, line.split())
    assert isinstance(args, AuditArgs)
    return await audit_command(AuditOnlyContext(CONTOSO, AuditLogReader(store.engine)), args)


async def test_entries_of_the_tenant_are_listed_newest_first_with_reason_and_approver(
    store: Store,
) -> None:
    await seed(
        store,
        {"at": NOW - timedelta(days=2), "command": "user"},
        {
            "at": NOW - timedelta(days=1),
            "command": "block",
            "outcome": "ok",
            "reason": "T-1234 leaver",
            "approval": "slack:lead",
        },
        {"at": NOW - timedelta(hours=1), "tenant": "fabrikam"},
    )

    reply = await run(store, "")
    [table] = tables(reply)

    assert table.columns == (
        "time", "actor", "command", "target", "outcome", "reason", "approved by",
    )  # fmt: skip
    assert table.rows == (
        (
            "2026-11-19T12:00:00Z",
            "slack:megan",
            "block",
            "adele@contoso.com",
            "ok",
            "T-1234 leaver",
            "slack:lead",
        ),
        ("2026-11-18T12:00:00Z", "slack:megan", "user", "adele@contoso.com", "ok", "", ""),
    )
    assert isinstance(reply.data, list)
    assert reply.data[0]["reason"] == "T-1234 leaver"
    assert reply.data[0]["approvedBy"] == "slack:lead"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("--user lynne@contoso.com", ["lynne"]),
        ("--by slack:alex", ["alex"]),
        ("--since 3d", ["recent", "lynne", "alex"]),
        ("--since 2026-11-18", ["recent", "lynne", "alex"]),
        ("--limit 2", ["recent", "lynne"]),
    ],
)
async def test_filters_narrow_the_list(store: Store, line: str, expected: list[str]) -> None:
    await seed(
        store,
        {"at": NOW - timedelta(days=10), "correlation_id": "old"},
        {"at": NOW - timedelta(days=2), "actor": "slack:alex", "command": "alex"},
        {"at": NOW - timedelta(days=1), "target": "lynne@contoso.com", "command": "lynne"},
        {"at": NOW - timedelta(hours=1), "command": "recent"},
    )

    [table] = tables(await run(store, line))

    assert column(table, "command") == expected


async def test_an_empty_result_says_so(store: Store) -> None:
    reply = await run(store, "--since 1h")

    assert tables(reply) == []
    assert notices(reply) == ["No audit entries match."]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--since yesterday", "use 7d, 12h or a date"),
        ("--since 2026-13-01", "use 7d, 12h or a date"),
        ("--limit 0", "--limit"),
    ],
)
def test_bad_filters_are_usage_errors(line: str, message: str) -> None:
    spec = REGISTRY.get("audit")
    assert spec is not None
    with pytest.raises(UsageError, match=message):
        bind_arguments(spec, line.split())


def test_only_admins_and_approvers_may_read_the_log() -> None:
    spec = REGISTRY.get("audit")
    assert spec is not None
    assert spec.roles == frozenset({Role.ADMIN, Role.APPROVER})
    assert spec.needs_tenant
