"""Routers over a real store (SQLite and PostgreSQL), with the grant and guard commands."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import BaseModel

from bot.audit.log import AuditLog
from bot.pipeline.access import ALL_TENANTS, AccessPolicy, Grant
from bot.pipeline.contexts import CommandContexts
from bot.pipeline.guards import TenantGuards
from bot.pipeline.invocation import Invocation
from bot.pipeline.middleware import AccessCheck, AuditTrail
from bot.pipeline.router import Router
from bot.pipeline.tenants import TenantDirectory
from bot.process.runtime import StoreAuditSink
from bot.store import Store
from cards.reply import Reply
from commands import REGISTRY
from commands.kit.context import Actor, CommandContext, TenantInfo
from commands.kit.registry import Registry, Role, command
from integrations.graph.products import load_catalog

CONTOSO = TenantInfo("contoso", "Contoso", "contoso.com", "11111111-1111-1111-1111-111111111111")
FABRIKAM = TenantInfo(
    "fabrikam", "Fabrikam", "fabrikam.com", "22222222-2222-2222-2222-222222222222"
)
PLAYGROUND = TenantInfo(
    "playground", "Playground", "playground.example", "33333333-3333-3333-3333-333333333333", True
)

ROOT = Actor("console:root", "Rosa Root")
"""Admin of every tenant, by configuration."""
ADMIN = Actor("slack:T1:U1", "Ada Admin", "ada@msp.example")
"""Admin of contoso only, by configuration."""
TECH = Actor("slack:T1:U2", "Tom Tech", "tom@msp.example")
"""Technician on contoso, by configuration."""
BOB = Actor("slack:T1:U3", "Bob New", "Bob@MSP.example")
"""Holds nothing until granted."""


class FixArgs(BaseModel):
    tenant: str | None = None


registry = Registry()
for name in ("grant", "revoke-grant", "grants", "guard", "help", "tenants"):
    spec = REGISTRY.get(name)
    assert spec is not None
    registry.add(spec)


@command("fix", args=FixArgs, roles=frozenset({Role.TECHNICIAN}), registry=registry)
async def fix(ctx: CommandContext, args: FixArgs) -> Reply:
    """A technician's command."""
    return Reply(title="fixed")


CONFIGURED = (
    Grant(ROOT.id, ALL_TENANTS, Role.ADMIN),
    Grant(ADMIN.email, "contoso", Role.ADMIN),
    Grant(TECH.email, "contoso", Role.TECHNICIAN),
)

MakeRouter = Callable[..., Router]


@pytest.fixture
def make_router(store: Store, audit: AuditLog) -> MakeRouter:
    """A new router on the shared store each call: one replica of Deskhand."""

    def make(*, everyone: frozenset[Role] = frozenset()) -> Router:
        policy = AccessPolicy(CONFIGURED, everyone=everyone, store=store)
        contexts = CommandContexts(
            TenantDirectory((CONTOSO, FABRIKAM, PLAYGROUND), clients={}),
            load_catalog(None),
            grants=policy,
            guards=TenantGuards(store),
        )
        return Router(
            registry=registry,
            policy=policy,
            contexts=contexts,
            middleware=(AuditTrail(StoreAuditSink(audit)), AccessCheck()),
        )

    return make


@pytest.fixture
def router(make_router: MakeRouter) -> Router:
    return make_router()


async def run(router: Router, actor: Actor, line: str) -> Reply:
    return await router.handle(Invocation(channel="slack", actor=actor, text=line))
