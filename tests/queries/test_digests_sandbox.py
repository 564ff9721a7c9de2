"""read_tenant_digest against the running sandbox (the endpoints it has today; Conditional
Access, security defaults and /directory/subscriptions arrive with branch digest-sandbox)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.process.runtime import Runtime
from commands.kit.context import silent_progress
from commands.queries.digests import DigestKind, DigestOptions, read_tenant_digest

ALL = frozenset(DigestKind)


def clients(runtime: Runtime, name: str):  # type: ignore[no-untyped-def]
    directory = runtime.router.tenants
    tenant = next(t for t in directory.tenants if t.name == name)
    return directory.client(tenant), directory.exchange(tenant)


async def test_contoso_digest_reads_every_kind_without_raising(runtime: Runtime) -> None:
    graph, exchange = clients(runtime, "contoso")
    digest = await read_tenant_digest(
        graph,
        ALL,
        DigestOptions(),
        now=datetime.now(UTC),
        progress=silent_progress,
        exchange=exchange,
    )
    assert digest.mfa is not None and digest.inactive is not None and digest.licenses is not None
    assert digest.mfa.counted > 0
    assert set(digest.metrics()) == {
        "mfa_coverage_pct",
        "without_mfa",
        "inactive",
        "wasted_seats",
        "waste_cost",
    }
    assert set(digest.flagged()) == {
        "without_mfa",
        "registered_not_enforced",
        "enforced_not_registered",
        "inactive",
        "wasted",
    }
    assert digest.licenses.products


async def test_fabrikam_without_p1_says_what_it_cannot_know(runtime: Runtime) -> None:
    graph, _ = clients(runtime, "fabrikam")
    digest = await read_tenant_digest(
        graph, ALL, DigestOptions(), now=datetime.now(UTC), progress=silent_progress
    )
    said = " ".join(digest.unknown)
    assert "Sign-in activity: needs Microsoft Entra ID P1" in said
    assert "Shared mailboxes: not told apart" in said
    assert digest.inactive is not None and digest.inactive.rows == ()
    assert digest.mfa is not None and digest.mfa.counted > 0
