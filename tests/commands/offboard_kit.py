"""What the /offboard step tests share: a fake StepContext, a plan's steps for adele, and the
cmdlets the sandbox's Exchange received."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.process.runtime import Runtime
from commands.kit.context import CommandContext
from commands.kit.steps import Step, StepResult
from commands.offboard import OffboardArgs, plan_offboard
from commands.offboard_steps import offboard_steps
from sandbox.exchange.mailboxes import MailboxState
from tests.commands.contexts import contoso_context
from tests.commands.sandbox_state import sandbox_of, user_named

__all__ = ["ADELE", "FakeStep", "cmdlets", "mailbox_of", "plan_steps", "twice"]

ADELE = "adele.vance@contoso.com"


@dataclass
class FakeStep:
    command: CommandContext
    secrets: list[str] = field(default_factory=list)

    async def deliver_secret(self, title: str, secret: str) -> bool:
        self.secrets.append(secret)
        return True


async def plan_steps(
    runtime: Runtime, user: str = "adele", ctx: CommandContext | None = None, **options: object
) -> tuple[CommandContext, dict[str, Step]]:
    ctx = ctx or contoso_context(runtime)
    args = OffboardArgs.model_validate({"user": user, "reason": "leaver", **options})
    plan = await plan_offboard(ctx, args)
    return ctx, {step.key: step for step in offboard_steps(ctx, args, plan)}


async def twice(step: Step, fake: FakeStep) -> tuple[StepResult, StepResult]:
    return await step.run(fake), await step.run(fake)


def cmdlets(runtime: Runtime, name: str) -> list[dict[str, Any]]:
    """The Parameters of every `name` cmdlet the sandbox's Exchange received, in order."""
    found = []
    for request in sandbox_of(runtime).requests:
        body = request.body if isinstance(request.body, dict) else {}
        cmdlet = body.get("CmdletInput") or {}
        if "InvokeCommand" in request.path and cmdlet.get("CmdletName") == name:
            found.append(dict(cmdlet.get("Parameters") or {}))
    return found


def mailbox_of(runtime: Runtime, upn: str = ADELE) -> MailboxState:
    """The sandbox's record of the mailbox, as Exchange and Graph both change it."""
    return sandbox_of(runtime).tenant("contoso").exchange.state(user_named(runtime, upn).id)
