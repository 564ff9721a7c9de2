"""The per-tenant guard: /guard and `TenantGuards.destructive_allowed`, on both engines."""

from __future__ import annotations

from bot.pipeline.guards import TenantGuards
from bot.pipeline.router import Router
from bot.store import Store, list_audit
from tests.auth.conftest import ADMIN, ROOT, TECH, MakeRouter, run
from tests.commands.replies import tables, text


async def test_guard_off_stops_destructive_actions_and_on_restores_them(
    make_router: MakeRouter, store: Store
) -> None:
    guards = TenantGuards(store)
    assert await guards.destructive_allowed("contoso")

    off = await run(make_router(), ADMIN, '/guard off --tenant contoso --reason "incident 42"')

    assert not off.failed, text(off)
    assert not await guards.destructive_allowed("contoso")
    assert await guards.destructive_allowed("fabrikam")
    state = await guards.state("contoso")
    assert (state.changed_by, state.note) == (ADMIN.id, "incident 42")
    assert "switched off in contoso by slack:T1:U1" in state.refusal
    assert "/guard on --tenant contoso" in state.refusal

    on = await run(make_router(), ADMIN, "/guard on --tenant contoso")

    assert not on.failed, text(on)
    assert await guards.destructive_allowed("contoso")


async def test_only_an_admin_of_the_tenant_switches_it(router: Router, store: Store) -> None:
    tech = await run(router, TECH, "/guard off --tenant contoso")
    elsewhere = await run(router, ADMIN, "/guard off --tenant fabrikam")
    everywhere = await run(router, ROOT, "/guard off --tenant *")

    assert tech.failed and "Only an admin of contoso" in text(tech)
    assert elsewhere.failed
    assert everywhere.failed and "Say which tenant" in text(everywhere)
    guards = TenantGuards(store)
    assert await guards.destructive_allowed("contoso")
    assert await guards.destructive_allowed("fabrikam")


async def test_guard_shows_the_switch_of_every_tenant_you_see(router: Router) -> None:
    await run(router, ROOT, '/guard off --tenant fabrikam --reason "contract ended"')

    [mine] = tables(await run(router, TECH, "/guard"))
    [every] = tables(await run(router, ROOT, "/guard"))

    assert [row[:2] for row in mine.rows] == [("contoso", "on")]
    assert [row[:3] for row in every.rows] == [
        ("contoso", "on", ""),
        ("fabrikam", "OFF", ROOT.id),
        ("playground", "on", ""),
    ]
    assert every.rows[1][4] == "contract ended"


async def test_guard_changes_are_audited(router: Router, store: Store) -> None:
    await run(router, ADMIN, '/guard off --tenant contoso --reason "incident 42"')
    await run(router, ADMIN, "/guard")

    async with store.engine.connect() as conn:
        rows = await list_audit(conn)

    assert [(r.command, r.tenant, r.target, r.outcome, r.detail) for r in rows] == [
        ("guard", None, None, "ok", ""),
        ("guard", "contoso", "off", "ok", "destructive actions off in contoso: incident 42"),
    ]
