from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel

from bot.pipeline.access import ALL_TENANTS, AccessPolicy, Grant
from bot.pipeline.contexts import CommandContexts
from bot.pipeline.invocation import Invocation
from bot.pipeline.messages import crashed
from bot.pipeline.middleware import AccessCheck, AuditTrail, Call, log_requests
from bot.pipeline.router import Router
from bot.pipeline.tenants import TenantDirectory
from cards.reply import Facts, Level, Reply
from commands import REGISTRY
from commands.kit.context import Actor, CommandContext, TenantInfo
from commands.kit.plan import Plan
from commands.kit.registry import ANYONE, Registry, Role, command, positional
from core.errors import Forbidden, OutcomeUnknown, RemoteNotFound
from integrations.graph.products import load_catalog

CONTOSO = TenantInfo("contoso", "Contoso", "contoso.com", "11111111-1111-1111-1111-111111111111")
FABRIKAM = TenantInfo(
    "fabrikam",
    "Fabrikam",
    "fabrikam.com",
    "22222222-2222-2222-2222-222222222222",
    other_domains=("fabrikam.onmicrosoft.com",),
)
TECH = Actor("slack:T1:U1", "Tess Tech", "tess@msp.example")
READER = Actor("slack:T1:U2", "Rita Reader", "rita@msp.example")
STRANGER = Actor("slack:T9:U9", "Someone Else")


class TargetArgs(BaseModel):
    who: str = positional("who")
    tenant: str | None = None


registry = Registry()


@command("whoami", args=TargetArgs, registry=registry)
async def whoami(ctx: CommandContext, args: TargetArgs) -> Reply:
    """Echo the resolved tenant and target."""
    assert ctx.tenant is not None
    return Reply(blocks=(Facts((("tenant", ctx.tenant.name), ("who", args.who))),))


@command("fix", args=TargetArgs, roles=frozenset({Role.TECHNICIAN}), registry=registry)
async def fix(ctx: CommandContext, args: TargetArgs) -> Reply:
    """A technician-only command."""
    return Reply(title="fixed")


class ScopeArgs(BaseModel):
    tenant: str | None = None


@command("scope", args=ScopeArgs, registry=registry, every_tenant=True)
async def scope(ctx: CommandContext, args: ScopeArgs) -> Reply:
    """About Deskhand itself: no tenant, or `--tenant *`, means every tenant."""
    return Reply(title=ctx.tenant.name if ctx.tenant else "every tenant")


class SurveyArgs(BaseModel):
    tenant: str | None = None
    all: bool = False


@command("survey", args=SurveyArgs, registry=registry)
async def survey(ctx: CommandContext, args: SurveyArgs) -> Reply:
    """Reads one tenant, or with `--all` every tenant the person sees."""
    if args.all:
        return Reply(title=f"{ctx.tenant} over " + ", ".join(t.name for t in ctx.tenants))
    return Reply(title=ctx.current_tenant.name)


@command("explode", args=TargetArgs, registry=registry)
async def explode(ctx: CommandContext, args: TargetArgs) -> Reply:
    """Fails the way a bug would."""
    raise RuntimeError("secret-token-abc123 leaked in a traceback")


@command("missing", args=TargetArgs, registry=registry)
async def missing(ctx: CommandContext, args: TargetArgs) -> Reply:
    """Fails the way Graph does for an unknown object."""
    raise RemoteNotFound(f"No user {args.who} in {ctx.tenant.name if ctx.tenant else '?'}.")


@command("locked", args=TargetArgs, registry=registry)
async def locked(ctx: CommandContext, args: TargetArgs) -> Reply:
    """Fails for a missing Graph permission."""
    raise Forbidden("Deskhand's app lacks Directory.Read.All.", permission="Directory.Read.All")


@command("unanswered", args=TargetArgs, registry=registry)
async def unanswered(ctx: CommandContext, args: TargetArgs) -> Reply:
    """A write Graph never answered."""
    raise OutcomeUnknown(
        f"Microsoft Graph did not answer after Deskhand sent PATCH /users/{args.who} "
        "(outcome unknown; client-request-id 7d1c).",
        client_request_id="7d1c",
    )


@dataclass
class RecordingSink:
    rows: list[tuple[str, str, str, str | None, str]] = field(default_factory=list)

    async def record(self, call: Call, outcome: str, detail: str) -> None:
        tenant = call.tenant.name if call.tenant else None
        self.rows.append((call.invocation.actor.id, call.spec.name, call.target, tenant, outcome))


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def router(sink: RecordingSink) -> Router:
    policy = AccessPolicy(
        [
            Grant(TECH.id, ALL_TENANTS, Role.TECHNICIAN),
            Grant(READER.id, "contoso", Role.READONLY),
        ]
    )
    tenants = TenantDirectory((CONTOSO, FABRIKAM), clients={}, default="contoso")
    return Router(
        registry=registry,
        policy=policy,
        contexts=CommandContexts(tenants, load_catalog(None), grants=policy),
        middleware=(log_requests, AuditTrail(sink), AccessCheck()),
    )


def facts(reply: Reply) -> dict[str, str]:
    block = reply.blocks[0]
    assert isinstance(block, Facts)
    return dict(block.items)


def text_of(reply: Reply) -> str:
    return " ".join(getattr(block, "text", "") for block in reply.blocks)


async def run(router: Router, text: str, actor: Actor = TECH, hint: str | None = None) -> Reply:
    return await router.handle(
        Invocation(channel="console", actor=actor, text=text, tenant_hint=hint)
    )


async def test_tenant_comes_from_the_flag_then_the_conversation_then_the_default(
    router: Router,
) -> None:
    assert facts(await run(router, "/whoami adele --tenant fabrikam.com"))["tenant"] == "fabrikam"
    assert facts(await run(router, "/whoami adele", hint="fabrikam"))["tenant"] == "fabrikam"
    assert facts(await run(router, "/whoami adele"))["tenant"] == "contoso"


async def test_an_address_in_another_tenants_domain_selects_that_tenant(router: Router) -> None:
    assert facts(await run(router, "/whoami katie@fabrikam.com"))["tenant"] == "fabrikam"
    assert facts(await run(router, "/whoami k@Fabrikam.onmicrosoft.com"))["tenant"] == "fabrikam"
    chosen = await run(router, "/whoami katie@fabrikam.com", hint="contoso")
    assert facts(chosen)["tenant"] == "fabrikam"
    assert facts(await run(router, "/whoami someone@gmail.com"))["tenant"] == "contoso"


async def test_an_address_selects_only_a_tenant_the_person_may_use(router: Router) -> None:
    reply = await run(router, "/whoami katie@fabrikam.com", actor=READER)
    assert facts(reply)["tenant"] == "contoso"
    flagged = await run(router, "/whoami katie@fabrikam.com --tenant contoso", actor=READER)
    assert facts(flagged)["tenant"] == "contoso"


async def test_a_tenant_flag_contradicting_the_address_is_an_error(router: Router) -> None:
    reply = await run(router, "/whoami katie@fabrikam.com --tenant contoso")
    assert reply.failed
    assert text_of(reply).startswith(
        "katie@fabrikam.com is in fabrikam, not contoso: leave out --tenant, "
        "or use --tenant fabrikam."
    )


async def test_unknown_tenant_names_the_known_ones(router: Router) -> None:
    reply = await run(router, "/whoami adele --tenant contosso")
    assert reply.failed
    assert "Did you mean contoso?" in text_of(reply)
    assert "contoso, fabrikam" in text_of(reply)


async def test_unknown_command_suggests_the_closest(router: Router) -> None:
    reply = await run(router, "/whoamii adele")
    assert reply.failed
    assert "Did you mean /whoami?" in text_of(reply)


async def test_usage_error_shows_the_usage_line(router: Router) -> None:
    reply = await run(router, "/whoami")
    assert "<who> is missing." in text_of(reply)
    assert "Usage: /whoami <who> [--tenant TENANT]" in text_of(reply)


async def test_roles_are_per_tenant_and_default_deny(router: Router, sink: RecordingSink) -> None:
    assert not (await run(router, "/whoami adele", actor=READER)).failed
    denied_elsewhere = await run(router, "/whoami adele --tenant fabrikam", actor=READER)
    assert denied_elsewhere.failed and "no access to tenant 'fabrikam'" in text_of(denied_elsewhere)
    assert (await run(router, "/fix adele", actor=READER)).failed
    assert (await run(router, "/whoami adele", actor=STRANGER)).failed
    assert [row[-1] for row in sink.rows] == ["ok", "denied", "denied", "denied"]


async def test_every_command_is_audited_with_its_target(
    router: Router, sink: RecordingSink
) -> None:
    await run(router, "/whoami adele --tenant fabrikam")
    await run(router, "/missing nobody")
    await run(router, "/unanswered adele")
    assert sink.rows == [
        (TECH.id, "whoami", "adele", "fabrikam", "ok"),
        (TECH.id, "missing", "nobody", "contoso", "failed"),
        (TECH.id, "unanswered", "adele", "contoso", "unknown"),
    ]


async def test_integration_errors_are_shown_as_written(router: Router) -> None:
    reply = await run(router, "/locked adele")
    assert reply.level is Level.ERROR
    assert text_of(reply) == "Deskhand's app lacks Directory.Read.All."


async def test_a_crash_shows_a_reference_and_no_exception_text(router: Router) -> None:
    invocation = Invocation(channel="console", actor=TECH, text="/explode adele")
    reply = await router.handle(invocation)
    assert reply.failed
    assert invocation.request_id in text_of(reply)
    assert "secret-token" not in text_of(reply)
    assert "RuntimeError" not in text_of(reply)
    assert text_of(reply) == crashed(invocation.request_id)


def test_an_invocation_is_built_by_keyword_only() -> None:
    with pytest.raises(TypeError):
        Invocation("console", TECH, "/tenants")  # type: ignore[misc]


async def test_every_tenant_is_read_from_the_spec_not_the_arguments(router: Router) -> None:
    """A command declared `every_tenant` gets no tenant for none or `*`; a named one still
    resolves (and, with a default tenant configured, none would have resolved to it)."""
    assert (await run(router, "/scope")).title == "every tenant"
    assert (await run(router, "/scope --tenant *")).title == "every tenant"
    assert (await run(router, "/scope --tenant fabrikam")).title == "fabrikam"


async def test_all_needs_no_tenant_and_sees_only_the_visible_ones(router: Router) -> None:
    """`--all` resolves no tenant (not even the default or the conversation's) and the command
    reads the tenants the person holds a role in; without it the tenant resolves as ever."""
    assert (await run(router, "/survey --all", hint="fabrikam")).title == (
        "None over contoso, fabrikam"
    )
    assert (await run(router, "/survey --all", actor=READER)).title == "None over contoso"
    assert (await run(router, "/survey")).title == "contoso"
    denied = await run(router, "/survey --all", actor=STRANGER)
    assert denied.failed and "You may not run /survey" in text_of(denied)


def test_commands_about_deskhand_itself_declare_every_tenant() -> None:
    every = {spec.name for spec in REGISTRY if spec.every_tenant}
    assert every == {"grant", "revoke-grant", "grants", "guard"}
    assert not any(hasattr(spec.args, "every_tenant") for spec in REGISTRY)


def test_anyone_covers_every_role() -> None:
    assert frozenset(Role) == ANYONE


@dataclass
class MemoryFollowUps:
    lines: dict[str, str] = field(default_factory=dict)

    async def save(self, command: str, tenant: str | None, created_by: str) -> str:
        action = f"f:{len(self.lines)}"
        self.lines[action] = command
        return action

    async def command_for(self, action: str) -> str | None:
        return self.lines.get(action)


async def test_a_click_is_authorised_again_for_whoever_clicks(sink: RecordingSink) -> None:
    policy = AccessPolicy([Grant(TECH.email, ALL_TENANTS, Role.TECHNICIAN)])
    book = MemoryFollowUps({"f:1": "/fix adele --tenant fabrikam"})
    tenants = TenantDirectory((CONTOSO, FABRIKAM), clients={})
    router = Router(
        registry=registry,
        policy=policy,
        contexts=CommandContexts(tenants, load_catalog(None), grants=policy),
        middleware=(AuditTrail(sink), AccessCheck()),
        follow_ups=book,
    )
    assert (
        await router.handle(Invocation(channel="slack", actor=TECH, text="", action="f:1"))
    ).title == "fixed"
    refused = await router.handle(Invocation(channel="slack", actor=READER, text="", action="f:1"))
    assert "no access to tenant 'fabrikam'" in text_of(refused)
    assert [row[-1] for row in sink.rows] == ["ok", "denied"]


async def test_grants_follow_the_verified_email_and_everyone_is_opt_in() -> None:
    policy = AccessPolicy([Grant("tess@msp.example", "contoso", Role.TECHNICIAN)])
    assert await policy.roles(TECH, CONTOSO) == {Role.TECHNICIAN}
    assert await policy.roles(TECH, FABRIKAM) == frozenset()
    sandbox = AccessPolicy(everyone=frozenset({Role.TECHNICIAN}))
    playground = TenantInfo("contoso", "Contoso", "contoso.com", CONTOSO.tenant_id, sandbox=True)
    assert await sandbox.roles(STRANGER, playground) == {Role.TECHNICIAN}
    assert await sandbox.roles(STRANGER, FABRIKAM) == frozenset()  # a real tenant: never


async def test_tenant_errors_name_only_the_tenants_you_may_use(router: Router) -> None:
    reply = await run(router, "/whoami adele --tenant initech", actor=READER)
    assert "Your tenants: contoso." in text_of(reply)
    assert "fabrikam" not in text_of(reply)


async def test_destructive_commands_fail_closed_without_an_approvals_desk(
    router: Router,
) -> None:
    reply = await run(router, "/wipe adele", actor=TECH)
    assert reply.failed and "no approvals desk" in text_of(reply)


async def _plan_wipe(ctx: CommandContext, args: TargetArgs) -> Plan:
    raise AssertionError("without a desk nothing is even planned")


@command("wipe", args=TargetArgs, plan=_plan_wipe, registry=registry)
async def wipe(ctx: CommandContext, args: TargetArgs, plan: Plan) -> Reply:
    """Pretends to delete someone."""
    raise AssertionError("a destructive handler must never run unconfirmed")
