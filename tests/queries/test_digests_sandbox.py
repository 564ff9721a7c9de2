"""read_tenant_digest against the running sandbox: contoso (Entra ID P1, Conditional Access,
security defaults off; sandbox/README.md lists each user's expected class) and fabrikam (no P1,
security defaults on)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.process.runtime import Runtime
from commands.kit.context import silent_progress
from commands.queries.digests import DigestKind, DigestOptions, TenantDigest, read_tenant_digest

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


async def _contoso_mfa(runtime: Runtime) -> TenantDigest:
    """Contoso's MFA digest with guests counted, as /digest mfa --guests reads it."""
    graph, exchange = clients(runtime, "contoso")
    return await read_tenant_digest(
        graph,
        frozenset({DigestKind.MFA}),
        DigestOptions(guests=True),
        now=datetime.now(UTC),
        progress=silent_progress,
        exchange=exchange,
    )


def _classes(digest: TenantDigest) -> dict[str, str]:
    """Each listed person's class, by the UPN's first part (a guest's before `_`)."""
    assert digest.mfa is not None
    return {row.upn.split("@")[0].split("_")[0]: str(row.mfa_class) for row in digest.mfa.rows}


# sandbox/README.md's table of contoso's users: the class each must get.
CONTOSO_CLASSES = {
    "admin": "covered",
    "isaiah.langer": "covered",
    "joni.sherman": "covered",
    "pradeep.gupta": "covered",
    "irvin.sayers": "covered",
    "sean.o'brien": "covered",
    "allan.deyoung": "covered",
    "breakglass": "registered-not-enforced",
    "patti.fernandez": "registered-not-enforced",
    "nestor.wilke": "registered-not-enforced",
    "megan.bowen": "registered-not-enforced",
    "lee.gu": "registered-not-enforced",
    "christie.cline": "registered-not-enforced",
    "johanna.lorenz": "enforced-not-registered",
    "miriam.graham": "partly",
    "lidia.holloway": "partly",
    "adele.vance": "partly",
    "grady.archie": "partly",
    "henrietta.mueller": "partly",
    "enrico.cattaneo": "partly",
    "lynne.robbins": "neither",
    "diego.siciliani": "neither",
    "jordan.miller": "neither",
}


async def test_every_contoso_user_gets_its_documented_mfa_class(runtime: Runtime) -> None:
    digest = await _contoso_mfa(runtime)
    assert digest.mfa is not None and digest.unknown == ()
    shown = _classes(digest)
    uncovered = {k: v for k, v in CONTOSO_CLASSES.items() if v != "covered"}
    assert shown == uncovered
    assert digest.mfa.covered == 7
    # alex.wilber is blocked; reception is a shared mailbox (disabled by design).
    assert (digest.mfa.disabled, digest.mfa.shared) == (1, 1)


async def test_inactivity_goes_by_the_last_successful_sign_in(runtime: Runtime) -> None:
    graph, _ = clients(runtime, "contoso")
    digest = await read_tenant_digest(
        graph,
        frozenset({DigestKind.INACTIVE}),
        DigestOptions(),
        now=datetime.now(UTC),
        progress=silent_progress,
    )
    assert digest.inactive is not None
    reasons = {row.upn.split("@")[0]: row.reason for row in digest.inactive.rows}
    # irvin.sayers failed to sign in 2 days ago, last succeeded 130 days ago; johanna.lorenz
    # never signed in and was created 400 days ago; diego.siciliani never did, created 60 days
    # ago; enrico.cattaneo signs in only non-interactively, 10 days ago.
    assert reasons == {
        "irvin.sayers": "inactive",
        "johanna.lorenz": "never signed in",
        "megan.bowen": "inactive",
    }


async def test_with_security_defaults_on_everyone_counted_is_enforced(runtime: Runtime) -> None:
    assert runtime.sandbox is not None
    runtime.sandbox.tenant("contoso").directory.security_defaults = True
    digest = await _contoso_mfa(runtime)
    assert digest.mfa is not None and digest.mfa.security_defaults is True
    shown = _classes(digest)
    # Registered people are covered; the rest must register, and only they are listed.
    assert shown == dict.fromkeys(
        ("diego.siciliani", "johanna.lorenz", "jordan.miller", "lynne.robbins"),
        "enforced-not-registered",
    )
    assert digest.mfa.covered == len(CONTOSO_CLASSES) - len(shown)
