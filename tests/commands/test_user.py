from __future__ import annotations

from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from bot.store import list_audit
from commands.kit.context import Actor
from sandbox import Fault
from tests.commands.replies import facts, notices, text
from tests.commands.sandbox_state import sandbox_of
from tests.plugins.runtime import OPERATOR, Ask


async def test_a_upn_shows_the_whole_screen(ask: Ask) -> None:
    reply = await ask("/user adele.vance@contoso.com")
    assert not reply.failed
    assert reply.title == "Adele Vance (adele.vance@contoso.com)"
    shown = facts(reply)
    assert shown["Sign-in"] == "enabled"
    assert shown["Manager"] == "Miriam Graham (miriam.graham@contoso.com)"
    assert "Microsoft 365 E3" in shown
    assert shown["Registered"] == "yes"
    assert shown["Per-user MFA"] == "disabled"
    assert "hours ago" in shown["Last interactive"]
    assert notices(reply)[0] == "active, MFA registered"


async def test_a_upn_takes_one_batch_and_one_beta_call(ask: Ask, runtime: Runtime) -> None:
    await ask("/user adele.vance@contoso.com")  # warms the token
    assert runtime.sandbox is not None
    runtime.sandbox.requests.clear()
    await ask("/user adele.vance@contoso.com")
    outer = [r for r in runtime.sandbox.requests if r.batch is None]
    assert sorted(r.path for r in outer) == [
        "/beta/users/adele.vance@contoso.com/authentication/requirements",
        "/v1.0/$batch",
    ]


async def test_a_name_fragment_resolves_to_the_one_match(ask: Ask) -> None:
    reply = await ask("/user megan")
    assert reply.title == "Megan Bowen (megan.bowen@contoso.com)"
    assert notices(reply)[0] == "inactive 120 days, still licensed"


async def test_several_matches_give_a_short_list(ask: Ask) -> None:
    reply = await ask("/user a")
    assert not reply.failed
    assert "users match 'a'" in reply.title
    assert "Adele Vance" in text(reply)
    assert "Alex Wilber" in text(reply)


async def test_no_match_suggests_the_closest_names(ask: Ask) -> None:
    reply = await ask("/user adelle")
    assert reply.failed
    assert "No user in Contoso matches 'adelle'" in text(reply)
    assert "Adele Vance (adele.vance@contoso.com)" in text(reply)


async def test_an_unknown_upn_says_so(ask: Ask) -> None:
    reply = await ask("/user nobody.here@contoso.com")
    assert reply.failed
    assert "No user in Contoso matches 'nobody.here@contoso.com'" in text(reply)


async def test_verdicts_for_the_accounts_a_technician_meets(ask: Ask) -> None:
    verdicts = {
        name: notices(await ask(f"/user {name}@contoso.com"))[0]
        for name in ("alex.wilber", "diego.siciliani", "lynne.robbins")
    }
    assert verdicts == {
        "alex.wilber": "sign-in blocked, still licensed",
        "diego.siciliani": "never signed in (created 2 months ago), still licensed",
        "lynne.robbins": "active, MFA not registered",
    }


async def test_a_name_with_an_apostrophe_is_found(ask: Ask) -> None:
    reply = await ask("/user o'brien")
    assert reply.title == "Sean O'Brien (sean.o'brien@contoso.com)"


async def test_a_synced_user_says_where_to_change_it(ask: Ask) -> None:
    reply = await ask("/user lee.gu@contoso.com")
    assert facts(reply)["Source"] == "on-premises AD (synced)"
    assert any("on-premises Active Directory" in n for n in notices(reply))


async def test_admins_show_their_directory_roles(ask: Ask) -> None:
    reply = await ask("/user admin@contoso.com")
    assert "Global Administrator" in facts(reply)["Directory roles"]


async def test_without_entra_p1_the_screen_says_what_needs_it(ask: Ask) -> None:
    reply = await ask("/user ben.walters@fabrikam.com --tenant fabrikam")
    assert not reply.failed
    shown = facts(reply)
    assert shown["Last interactive"] == "needs Microsoft Entra ID P1"
    assert shown["Default method"] == "needs Microsoft Entra ID P1"
    assert shown["Registered"] == "no"  # from the methods list instead of the report
    assert notices(reply)[0] == "sign-in activity needs Microsoft Entra ID P1, MFA not registered"


async def test_a_missing_permission_is_named_and_the_rest_still_shows(
    ask: Ask, runtime: Runtime
) -> None:
    assert runtime.sandbox is not None
    runtime.sandbox.tenant("contoso").permissions.discard("Directory.Read.All")
    reply = await ask("/user adele.vance@contoso.com")
    assert not reply.failed
    assert "Directory.Read.All" in facts(reply)["Groups"]
    assert facts(reply)["Registered"] == "yes"


async def test_throttling_past_the_retry_budget_is_a_clear_message(
    ask: Ask, runtime: Runtime
) -> None:
    assert runtime.sandbox is not None
    runtime.sandbox.inject("contoso", Fault(kind="throttle", count=50, retry_after=0.01))
    reply = await ask("/user adele")
    assert reply.failed
    assert "Traceback" not in text(reply)
    assert "throttl" in text(reply).lower()


async def test_an_unknown_tenant_names_the_known_ones(ask: Ask) -> None:
    reply = await ask("/user adele --tenant initech")
    assert reply.failed
    assert "contoso, fabrikam" in text(reply)


async def test_the_list_of_matches_offers_buttons_that_carry_only_an_id(
    ask: Ask, runtime: Runtime
) -> None:
    choices = await ask("/user a")
    adele = next(b for b in choices.buttons if b.label == "Adele Vance")
    assert adele.command == ""
    assert adele.action_id.startswith("f:") and "adele" not in adele.action_id.lower()
    clicked = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=adele.action_id)
    )
    assert clicked.title == "Adele Vance (adele.vance@contoso.com)"


async def test_an_unknown_button_changes_nothing(runtime: Runtime) -> None:
    reply = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action="f:forged")
    )
    assert reply.failed
    assert "expired or is not Deskhand's" in text(reply)


async def test_a_click_runs_as_whoever_clicks(runtime: Runtime, ask: Ask) -> None:
    choices = await ask("/user a")
    colleague = Actor("slack:T1:U2", "Cole League", "cole@msp.example")
    await runtime.router.handle(
        Invocation(channel="slack", actor=colleague, text="", action=choices.buttons[0].action_id)
    )
    async with runtime.store.engine.connect() as conn:
        latest = (await list_audit(conn, limit=1))[0]
    assert (latest.actor, latest.channel, latest.command) == (colleague.id, "slack", "user")


async def test_a_throttled_sign_in_is_retried_and_the_screen_shown(
    ask: Ask, runtime: Runtime
) -> None:
    token = "/oauth2/v2.0/token"
    sandbox = sandbox_of(runtime)
    sandbox.inject("contoso", Fault(kind="throttle", retry_after=0.05, login=True, path=token))
    reply = await ask("/user adele.vance@contoso.com")
    assert not reply.failed
    assert [r.status for r in sandbox.requests if r.path.endswith(token)] == [429, 200]


async def test_sign_in_throttled_past_the_budget_says_so_not_tenant_not_found(
    ask: Ask, runtime: Runtime
) -> None:
    sandbox = sandbox_of(runtime)
    sandbox.inject("contoso", Fault(kind="throttle", count=10, retry_after=0.01, login=True))
    reply = await ask("/user adele.vance@contoso.com")
    assert reply.failed
    shown = text(reply)
    assert "sign-in service at" in shown and "is throttling" in shown and "Try again" in shown
    assert "not found" not in shown
