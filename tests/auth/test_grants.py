"""/grant, /revoke-grant and /grants through the router, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.pipeline.router import Router
from bot.store import Store, list_audit
from tests.auth.conftest import ADMIN, BOB, ROOT, TECH, MakeRouter, run
from tests.commands.replies import column, tables, text


async def test_a_grant_lets_the_person_run_a_command_at_once(router: Router) -> None:
    refused = await run(router, BOB, "/fix --tenant contoso")
    assert refused.failed and "no access to tenant 'contoso'" in text(refused)

    granted = await run(router, ADMIN, "/grant bob@msp.example technician --tenant contoso")

    assert not granted.failed, text(granted)
    assert "bob@msp.example now holds technician in contoso" in text(granted)
    assert (await run(router, BOB, "/fix --tenant contoso")).title == "fixed"
    assert (await run(router, BOB, "/fix --tenant fabrikam")).failed


async def test_a_revoke_is_seen_at_once_by_another_replica(make_router: MakeRouter) -> None:
    first, second = make_router(), make_router()
    await run(first, ADMIN, "/grant bob@msp.example technician --tenant contoso")
    assert (await run(second, BOB, "/fix --tenant contoso")).title == "fixed"

    revoked = await run(first, ADMIN, "/revoke-grant BOB@msp.example technician --tenant contoso")

    assert not revoked.failed, text(revoked)
    refused = await run(second, BOB, "/fix --tenant contoso")
    assert refused.failed and "no access to tenant 'contoso'" in text(refused)


async def test_help_shows_what_stored_grants_allow(router: Router) -> None:
    assert (await run(router, BOB, "/help")).failed  # no role anywhere: nothing to show

    await run(router, ADMIN, "/grant bob@msp.example technician --tenant contoso")
    shown = column(tables(await run(router, BOB, "/help"))[0], "command")

    assert "/fix" in shown
    assert "/grant" not in shown

    await run(router, ADMIN, "/grant bob@msp.example admin --tenant contoso")
    shown = column(tables(await run(router, BOB, "/help"))[0], "command")

    assert {"/grant", "/revoke-grant", "/grants"} <= set(shown)


async def test_a_grant_in_every_tenant_needs_an_admin_of_every_tenant(router: Router) -> None:
    refused = await run(router, ADMIN, "/grant bob@msp.example technician --tenant *")
    assert refused.failed and "Only an admin of every tenant" in text(refused)

    assert not (await run(router, ROOT, "/grant bob@msp.example technician --tenant *")).failed
    assert (await run(router, BOB, "/fix --tenant fabrikam")).title == "fixed"


async def test_people_who_are_not_admins_cannot_grant(router: Router) -> None:
    reply = await run(router, TECH, "/grant bob@msp.example technician --tenant contoso")

    assert reply.failed and "may not run /grant on contoso" in text(reply)
    assert (await run(router, BOB, "/fix --tenant contoso")).failed


async def test_an_admin_of_one_tenant_cannot_grant_in_another(router: Router) -> None:
    reply = await run(router, ADMIN, "/grant bob@msp.example admin --tenant fabrikam")

    assert reply.failed
    assert "fabrikam" not in text(await run(router, ADMIN, "/tenants"))
    assert (await run(router, BOB, "/fix --tenant fabrikam")).failed


async def test_nobody_revokes_their_own_admin_role(router: Router) -> None:
    await run(router, ADMIN, "/grant bob@msp.example admin --tenant contoso")

    reply = await run(router, BOB, "/revoke-grant bob@msp.example admin --tenant contoso")

    assert reply.failed and "cannot revoke your own admin role" in text(reply)
    assert not (await run(router, BOB, "/grants --tenant contoso")).failed
    # Another admin may.
    assert not (
        await run(router, ADMIN, "/revoke-grant bob@msp.example admin --tenant contoso")
    ).failed
    assert (await run(router, BOB, "/grants --tenant contoso")).failed


async def test_configured_roles_are_not_revoked_by_command(router: Router) -> None:
    reply = await run(router, ADMIN, "/revoke-grant tom@msp.example technician --tenant contoso")

    assert reply.failed and "edit deskhand.toml" in text(reply)
    assert (await run(router, TECH, "/fix --tenant contoso")).title == "fixed"


async def test_changes_that_change_nothing_are_refused(router: Router) -> None:
    line = "/grant bob@msp.example technician --tenant contoso"
    await run(router, ADMIN, line)

    again = await run(router, ADMIN, line)
    configured = await run(router, ADMIN, "/grant tom@msp.example technician --tenant contoso")
    missing = await run(router, ADMIN, "/revoke-grant bob@msp.example approver --tenant contoso")

    assert again.failed and "already holds technician in contoso" in text(again)
    assert configured.failed and "by configuration" in text(configured)
    assert missing.failed and "holds no granted approver role" in text(missing)


async def test_who_must_be_an_email_or_a_console_account(router: Router) -> None:
    bad = await run(router, ADMIN, "/grant bob technician --tenant contoso")
    role = await run(router, ADMIN, "/grant bob@msp.example wizard --tenant contoso")
    console = await run(router, ADMIN, "/grant console:bob readonly --tenant contoso")

    assert bad.failed and "give an e-mail address or console:<user>" in text(bad)
    assert role.failed and "Usage: /grant" in text(role)
    assert not console.failed


async def test_an_unknown_tenant_gets_the_usual_tenant_message(router: Router) -> None:
    reply = await run(router, ADMIN, "/grant bob@msp.example technician --tenant initech")

    assert (
        reply.failed
        and "no access to tenant 'initech' (or it does not exist). Your tenants: contoso."
        in text(reply)
    )


async def test_grants_lists_configured_and_granted_roles_of_your_tenants(router: Router) -> None:
    await run(router, ADMIN, "/grant bob@msp.example approver --tenant contoso")
    await run(router, ROOT, "/grant bob@msp.example readonly --tenant fabrikam")

    [table] = tables(await run(router, ADMIN, "/grants"))

    assert table.columns == ("who", "tenant", "role", "source", "by", "when")
    rows = {row[:5] for row in table.rows}
    assert ("bob@msp.example", "contoso", "approver", "granted", ADMIN.id) in rows
    assert ("tom@msp.example", "contoso", "technician", "config", "deskhand.toml") in rows
    assert ("console:root", "*", "admin", "config", "deskhand.toml") in rows
    assert all(row[1] != "fabrikam" for row in table.rows)  # not Ada's tenant
    [everything] = tables(await run(router, ROOT, "/grants --who bob@msp.example"))
    assert column(everything, "tenant") == ["contoso", "fabrikam"]


async def test_grant_changes_are_audited_with_who_and_what(router: Router, store: Store) -> None:
    await run(router, ADMIN, "/grant bob@msp.example technician --tenant contoso")
    await run(router, ADMIN, "/revoke-grant bob@msp.example technician --tenant contoso")
    await run(router, TECH, "/grant bob@msp.example admin --tenant contoso")

    async with store.engine.connect() as conn:
        rows = await list_audit(conn)

    assert [(r.actor, r.command, r.tenant, r.target, r.outcome, r.detail) for r in rows] == [
        (
            TECH.id,
            "grant",
            "contoso",
            "bob@msp.example",
            "denied",
            "You may not run /grant on contoso. Ask a Deskhand admin to grant you one of "
            "these roles: admin.",
        ),
        (
            ADMIN.id,
            "revoke-grant",
            "contoso",
            "bob@msp.example",
            "ok",
            "revoked technician from bob@msp.example in contoso",
        ),
        (
            ADMIN.id,
            "grant",
            "contoso",
            "bob@msp.example",
            "ok",
            "granted technician to bob@msp.example in contoso",
        ),
    ]
