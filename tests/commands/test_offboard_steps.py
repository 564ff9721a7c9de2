"""/offboard's steps run directly against the sandbox: the change, then run again = skipped;
undo puts back groups, licences, mailbox type and forwarding."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.process.runtime import Runtime
from commands.kit.context import CommandContext
from commands.kit.steps import Step, StepResult
from commands.offboard import OffboardArgs, plan_offboard
from commands.offboard_steps import offboard_steps
from commands.offboard_undo import undo_offboard_step
from tests.commands.contexts import contoso_context
from tests.commands.sandbox_state import sandbox_of, user_named

ADELE = "adele.vance@contoso.com"


@dataclass
class FakeStep:
    command: CommandContext
    secrets: list[str] = field(default_factory=list)

    async def deliver_secret(self, title: str, secret: str) -> bool:
        self.secrets.append(secret)
        return True


async def _steps(runtime: Runtime, **options: object) -> tuple[CommandContext, dict[str, Step]]:
    ctx = contoso_context(runtime)
    args = OffboardArgs.model_validate({"user": "adele", "reason": "leaver", **options})
    plan = await plan_offboard(ctx, args)
    return ctx, {step.key: step for step in offboard_steps(ctx, args, plan)}


async def _twice(step: Step, fake: FakeStep) -> tuple[StepResult, StepResult]:
    return await step.run(fake), await step.run(fake)


async def test_block_then_again_is_skipped_and_undo_unblocks(runtime: Runtime) -> None:
    ctx, steps = await _steps(runtime)

    first, second = await _twice(steps["block"], FakeStep(ctx))

    assert not first.skipped and second.skipped and "already" in second.detail
    assert user_named(runtime, ADELE).account_enabled is False
    assert await undo_offboard_step(ctx, "block", first.undo) == "sign-in allowed again"
    assert user_named(runtime, ADELE).account_enabled is True


async def test_licences_removed_once_and_undo_assigns_them_again(runtime: Runtime) -> None:
    ctx, steps = await _steps(runtime)
    before = user_named(runtime, ADELE).sku_ids

    first, second = await _twice(steps["licences"], FakeStep(ctx))

    assert first.detail == "removed 1 licence" and second.skipped
    assert user_named(runtime, ADELE).sku_ids == ()
    assigns = [r.body for r in sandbox_of(runtime).requests if r.path.endswith("/assignLicense")]
    assert assigns == [{"addLicenses": [], "removeLicenses": list(first.undo["skus"])}]
    await undo_offboard_step(ctx, "licences", first.undo)
    assert user_named(runtime, ADELE).sku_ids == before


async def test_each_group_is_left_once_and_undo_rejoins(runtime: Runtime) -> None:
    ctx, steps = await _steps(runtime)
    groups = [key for key in steps if key.startswith("group:")]
    directory = sandbox_of(runtime).tenant("contoso").directory
    adele = user_named(runtime, ADELE).id

    for key in groups:
        first, second = await _twice(steps[key], FakeStep(ctx))
        group_id = key.removeprefix("group:")
        assert not first.skipped and second.skipped, key
        assert adele not in directory.groups[group_id].member_ids
        assert (await undo_offboard_step(ctx, key, first.undo)).endswith("of the group again")
        assert adele in directory.groups[group_id].member_ids


async def test_shared_and_forward_are_set_once_and_undone(runtime: Runtime) -> None:
    ctx, steps = await _steps(runtime, forward_to="miriam.graham@contoso.com", no_keep_copy=True)
    fake = FakeStep(ctx)

    shared, shared_again = await _twice(steps["shared"], fake)
    forward, forward_again = await _twice(steps["forward"], fake)

    assert shared_again.skipped and forward_again.skipped
    mailbox = (await ctx.exchange.invoke("Get-Mailbox", {"Identity": ADELE})).values[0]
    assert mailbox["RecipientTypeDetails"] == "SharedMailbox"
    assert str(mailbox["ForwardingSmtpAddress"]).endswith("miriam.graham@contoso.com")
    await undo_offboard_step(ctx, "shared", shared.undo)
    await undo_offboard_step(ctx, "forward", forward.undo)
    mailbox = (await ctx.exchange.invoke("Get-Mailbox", {"Identity": ADELE})).values[0]
    assert mailbox["RecipientTypeDetails"] == "UserMailbox"
    assert not mailbox["ForwardingSmtpAddress"]


async def test_the_password_is_delivered_never_returned(runtime: Runtime) -> None:
    ctx, steps = await _steps(runtime)
    fake = FakeStep(ctx)

    first, second = await _twice(steps["password"], fake)

    assert len(fake.secrets) == 1 and fake.secrets[0] not in repr(first)
    assert second.skipped
    said = await undo_offboard_step(ctx, "password", first.undo)
    assert "cannot be put back" in said
