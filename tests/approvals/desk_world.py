"""A tiny destructive command over an in-memory directory, to drive the approvals desk.

The desk is generic; these tests check its states, checks and messages without Graph. The real
actions (block, reset-password ...) are tested end to end against the sandbox elsewhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from sqlalchemy import select

from bot.approvals.desk import ApprovalDesk
from bot.approvals.notify import Notifiers, Posted
from bot.audit.log import AuditLog
from bot.config.approvals import ApprovalSettings
from bot.pipeline.access import ALL_TENANTS, AccessPolicy, Grant
from bot.pipeline.contexts import CommandContexts
from bot.pipeline.invocation import Invocation
from bot.pipeline.router import Router
from bot.pipeline.tenants import TenantDirectory
from bot.store import Store
from bot.store.tables import pending_actions
from cards.reply import Level, Notice, Reply
from commands import REGISTRY
from commands.kit.context import Actor, CommandContext, TenantInfo
from commands.kit.plan import ActionArgs, Plan, Protection
from commands.kit.registry import Registry, Role, command, positional
from commands.kit.steps import Step, StepContext, StepResult
from core.errors import NotFound, UserError
from integrations.graph.products import load_catalog

CONTOSO = TenantInfo("contoso", "Contoso", "contoso.com", "11111111-1111-1111-1111-111111111111")
TECH = Actor("slack:T1:U1", "Tess Tech", "tess@msp.example")
OTHER_TECH = Actor("slack:T1:U3", "Theo Tech", "theo@msp.example")
APPROVER = Actor("slack:T1:U2", "Abe Approver", "abe@msp.example")
ADMIN = Actor("teams:aad-9", "Ada Admin", "ada@msp.example")
CONSOLE_ADMIN = Actor("console:ops", "ops")
STRANGER = Actor("slack:T9:U9", "Sid Stranger", "sid@elsewhere.example")

registry = Registry()
for _name in (
    "confirm",
    "cancel",
    "approve",
    "deny",
    "pending",
    "jobs",
    "job",
    "job retry",
    "offboard undo",
):
    _spec = REGISTRY.get(_name)
    assert _spec is not None
    registry.add(_spec)


@dataclass
class Person:
    enabled: bool = True
    admin: bool = False
    wiped: int = 0


WORLD: dict[str, Person] = {}


class WipeArgs(ActionArgs):
    who: str = positional("who")
    password: SecretStr | None = Field(None, json_schema_extra={"secret": True})


async def plan_wipe(ctx: CommandContext, args: WipeArgs) -> Plan:
    person = WORLD.get(args.who)
    if person is None:
        raise NotFound(f"No user {args.who} in {ctx.current_tenant.name}.")
    if person.wiped:
        raise UserError(f"{args.who} is already wiped; nothing to do.")
    protection = Protection(("Global Administrator (active)",)) if person.admin else Protection()
    return Plan(
        summary=f"Wipe {args.who} in {ctx.current_tenant.display_name}",
        effects=(f"Wipe {args.who}",),
        target=args.who,
        target_id=args.who,
        state={"enabled": person.enabled},
        protection=protection,
        notes=("Wiping cannot be undone.",),
    )


@command(
    "wipe",
    args=WipeArgs,
    roles=frozenset({Role.TECHNICIAN, Role.ADMIN}),
    plan=plan_wipe,
    registry=registry,
)
async def wipe(ctx: CommandContext, args: WipeArgs, plan: Plan) -> Reply:
    """Wipe someone (a test command)."""
    WORLD[plan.target_id].wiped += 1
    secret = args.password.get_secret_value() if args.password else ""
    return Reply(
        title="Wiped",
        blocks=(Notice(Level.SUCCESS, f"Wiped {plan.target}."),),
        secret=secret,
        level=Level.SUCCESS,
    )


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingNotifier:
    """A channel that remembers what the desk asked it to post, edit and tell."""

    channel: str = "slack"
    posts: list[tuple[str, Reply]] = field(default_factory=list)
    updates: list[tuple[Mapping[str, str], Reply]] = field(default_factory=list)
    told: list[tuple[Mapping[str, str], Reply]] = field(default_factory=list)

    async def post(self, destination: str, reply: Reply) -> Posted:
        self.posts.append((destination, reply))
        return Posted(self.channel, {"channel": destination, "ts": f"{len(self.posts)}.0001"})

    async def update(self, posted: Posted, reply: Reply) -> None:
        self.updates.append((posted.address, reply))

    async def tell(self, address: Mapping[str, str], reply: Reply) -> None:
        self.told.append((address, reply))


def text_of(reply: Reply) -> str:
    parts: Sequence[str] = [getattr(block, "text", "") for block in reply.blocks]
    return " ".join([reply.title, *parts])


GRANTS = [
    Grant(TECH.email, ALL_TENANTS, Role.TECHNICIAN),
    Grant(OTHER_TECH.email, ALL_TENANTS, Role.TECHNICIAN),
    Grant(APPROVER.email, "contoso", Role.APPROVER),
    Grant(ADMIN.email, "contoso", Role.ADMIN),
    Grant(CONSOLE_ADMIN.id, ALL_TENANTS, Role.ADMIN),
]


@dataclass
class Desk:
    router: Router
    desk: ApprovalDesk
    clock: Clock
    slack: RecordingNotifier
    store: Store

    async def say(self, text: str, actor: Actor = TECH, *, channel: str = "slack") -> Reply:
        invocation = Invocation(
            channel=channel, actor=actor, text=text, return_address={"user": actor.id}, private=True
        )
        return await self.router.handle(invocation)

    async def click(self, action: str, actor: Actor, values: dict[str, str] | None = None) -> Reply:
        invocation = Invocation(
            channel="slack", actor=actor, text="", action=action, values=values or {}
        )
        return await self.router.handle(invocation)

    async def action_row(self) -> dict[str, object]:
        async with self.store.engine.connect() as conn:
            row = (await conn.execute(select(pending_actions))).mappings().one()
        return dict(row)


def make_desk(audit: AuditLog, settings: ApprovalSettings, clock: Clock | None = None) -> Desk:
    store = audit.store
    clock = clock or Clock()
    policy = AccessPolicy(GRANTS, store=store)
    contexts = CommandContexts(
        TenantDirectory((CONTOSO,), clients={}, default="contoso"),
        load_catalog(None),
        approval_settings=settings,
        grants=policy,
    )
    slack = RecordingNotifier()
    desk = ApprovalDesk(
        store=store,
        audit_log=audit,
        settings=settings,
        registry=registry,
        tenants=(CONTOSO,),
        access=policy,
        contexts=contexts,
        notifiers=Notifiers({"slack": slack}),
        clock=clock,
    )
    router = Router(registry=registry, policy=policy, contexts=contexts, desk=desk)
    return Desk(router, desk, clock, slack, store)


# -- a job command: steps over the same in-memory directory -----------------------------------

FAILS: dict[str, int] = {}
"""How many more times each step of /leave fails, by step key."""
RAN: list[str] = []


class LeaveArgs(ActionArgs):
    who: str = positional("who")


async def plan_leave(ctx: CommandContext, args: LeaveArgs) -> Plan:
    if args.who not in WORLD:
        raise NotFound(f"No user {args.who} in {ctx.current_tenant.name}.")
    return Plan(
        summary=f"{args.who} leaves",
        effects=("Disable", "Leave group a", "Leave group b", "Tidy up after b"),
        target=args.who,
        target_id=args.who,
        state={"enabled": WORLD[args.who].enabled},
    )


def _leave_step(key: str, who: str) -> Callable[[StepContext], Awaitable[StepResult]]:
    async def run(step: StepContext) -> StepResult:
        if FAILS.get(key, 0) > 0:
            FAILS[key] -= 1
            raise UserError(f"{key} refused")
        RAN.append(key)
        if key == "disable":
            WORLD[who].enabled = False
        return StepResult(f"{key} done", undo={"key": key, "who": who})

    return run


def leave_steps(ctx: CommandContext, args: BaseModel, plan: Plan) -> list[Step]:
    who = plan.target_id
    return [
        Step("disable", "Disable", _leave_step("disable", who)),
        Step("a", "Leave group a", _leave_step("a", who), after=("disable",)),
        Step("b", "Leave group b", _leave_step("b", who), after=("disable",)),
        Step("tidy", "Tidy up after b", _leave_step("tidy", who), after=("b",)),
    ]


async def undo_leave(ctx: CommandContext, key: str, undo: Mapping[str, Any]) -> str:
    if key == "disable":
        WORLD[str(undo["who"])].enabled = True
        return "enabled again"
    return f"{undo.get('key')} put back"


@command(
    "leave",
    args=LeaveArgs,
    roles=frozenset({Role.TECHNICIAN, Role.ADMIN}),
    plan=plan_leave,
    steps=leave_steps,
    undo=undo_leave,
    registry=registry,
)
async def leave(ctx: CommandContext, args: LeaveArgs, plan: Plan) -> Reply:
    """Someone leaves (a test job command)."""
    return Reply(title="runs as a job")
