"""A tiny destructive command over an in-memory directory, to drive the approvals desk.

The desk is generic; these tests check its states, checks and messages without Graph. The real
actions (block, reset-password ...) are tested end to end against the sandbox elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import Field, SecretStr

from bot.approvals.notify import Posted
from cards.reply import Level, Notice, Reply
from commands import REGISTRY
from commands.kit.context import Actor, CommandContext, TenantInfo
from commands.kit.plan import ActionArgs, Plan, Protection
from commands.kit.registry import Registry, Role, command, positional
from core.errors import NotFound, UserError

CONTOSO = TenantInfo("contoso", "Contoso", "contoso.com", "11111111-1111-1111-1111-111111111111")
TECH = Actor("slack:T1:U1", "Tess Tech", "tess@msp.example")
OTHER_TECH = Actor("slack:T1:U3", "Theo Tech", "theo@msp.example")
APPROVER = Actor("slack:T1:U2", "Abe Approver", "abe@msp.example")
ADMIN = Actor("teams:aad-9", "Ada Admin", "ada@msp.example")
CONSOLE_ADMIN = Actor("console:ops", "ops")
STRANGER = Actor("slack:T9:U9", "Sid Stranger", "sid@elsewhere.example")

registry = Registry()
for _name in ("confirm", "cancel", "approve", "deny", "pending"):
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
