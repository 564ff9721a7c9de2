"""The policy itself: stored rows read per request, the sandbox rule kept to the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.pipeline.access import Access, AccessPolicy
from bot.store import Store
from bot.store.audit import list_audit
from bot.store.grants import add_grant
from commands.kit.registry import Role
from tests.auth.conftest import (
    BOB,
    CONFIGURED,
    CONTOSO,
    FABRIKAM,
    PLAYGROUND,
    TECH,
    MakeRouter,
    run,
)
from tests.commands.replies import text

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_everyone_on_the_sandbox_never_reaches_a_real_tenant(
    make_router: MakeRouter,
) -> None:
    router = make_router(everyone=frozenset({Role.TECHNICIAN}))

    assert (await run(router, BOB, "/fix --tenant playground")).title == "fixed"
    refused = await run(router, BOB, "/fix --tenant contoso")
    assert refused.failed and "no access to tenant 'contoso'" in text(refused)
    shown = text(await run(router, BOB, "/tenants"))
    assert "playground" in shown and "contoso" not in shown and "fabrikam" not in shown


async def test_stored_grants_are_read_for_each_request(store: Store) -> None:
    policy = AccessPolicy(CONFIGURED, store=store)
    before = await policy.for_actor(BOB)
    async with store.engine.begin() as conn:
        await add_grant(
            conn, who="bob@msp.example", tenant="fabrikam", role="approver", granted_by="x", now=NOW
        )
        await add_grant(
            conn, who=BOB.id, tenant="contoso", role="no-such-role", granted_by="x", now=NOW
        )

    after = await policy.for_actor(BOB)

    assert before.roles(FABRIKAM) == frozenset()
    assert after.roles(FABRIKAM) == {Role.APPROVER}
    assert after.roles(CONTOSO) == frozenset()  # an unknown role in a row gives nothing
    assert await policy.roles(BOB, FABRIKAM) == {Role.APPROVER}


def test_an_empty_snapshot_denies_everything() -> None:
    nobody = Access()

    assert nobody.roles(None) == frozenset()
    assert nobody.roles(PLAYGROUND) == frozenset()
    assert nobody.visible((CONTOSO, PLAYGROUND)) == ()


async def test_an_unknown_tenant_and_another_customers_tenant_get_the_same_answer(
    make_router: MakeRouter, store: Store
) -> None:
    router = make_router()

    unknown = await run(router, TECH, "/fix --tenant nosuchcorp")
    forbidden = await run(router, TECH, "/fix --tenant fabrikam")
    by_domain = await run(router, TECH, "/fix --tenant fabrikam.com")

    answers = {
        text(unknown).replace("nosuchcorp", "X"),
        text(forbidden).replace("fabrikam", "X"),
        text(by_domain).replace("fabrikam.com", "X"),
    }
    assert unknown.failed and forbidden.failed and by_domain.failed
    assert answers == {
        "\nYou have no access to tenant 'X' (or it does not exist). Your tenants: contoso."
    }
    async with store.engine.connect() as conn:
        rows = await list_audit(conn, actor=TECH.id)
    assert sorted((r.command, r.outcome, r.tenant) for r in rows) == [("fix", "denied", None)] * 3
