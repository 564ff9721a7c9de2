"""/offboard's steps run directly against the sandbox: the change, then run again = skipped;
undo puts back sign-in, groups, licences, mailbox type and forwarding."""

from __future__ import annotations

from bot.process.runtime import Runtime
from commands.offboard_undo import undo_offboard_step
from tests.commands.offboard_kit import ADELE, FakeStep
from tests.commands.offboard_kit import plan_steps as _steps
from tests.commands.offboard_kit import twice as _twice
from tests.commands.sandbox_state import sandbox_of, user_named


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


async def test_revoke_posts_once_and_a_second_run_sees_it_done(runtime: Runtime) -> None:
    ctx, steps = await _steps(runtime)
    adele = user_named(runtime, ADELE)
    before = adele.sessions_valid_from

    first, second = await _twice(steps["revoke"], FakeStep(ctx))

    posts = [
        r.body for r in sandbox_of(runtime).requests if r.path.endswith("/revokeSignInSessions")
    ]
    assert len(posts) == 1 and not first.skipped
    assert user_named(runtime, ADELE).sessions_valid_from != before
    assert second.skipped and "already revoked" in second.detail
    assert "cannot be put back" in await undo_offboard_step(ctx, "revoke", first.undo)


async def test_methods_go_with_the_default_one_last(runtime: Runtime) -> None:
    ctx, steps = await _steps(runtime)
    kinds = sorted(m.kind for m in user_named(runtime, ADELE).methods if m.kind != "password")

    first, second = await _twice(steps["methods"], FakeStep(ctx))

    deletes = [
        (r.path.split("/")[-2], r.status)
        for r in sandbox_of(runtime).requests
        if r.method == "DELETE" and "/authentication/" in r.path
    ]
    # Graph refuses the default method (the Authenticator) while the phone remains.
    assert deletes == [
        ("microsoftAuthenticatorMethods", 400),
        ("phoneMethods", 204),
        ("microsoftAuthenticatorMethods", 204),
    ]
    assert kinds == ["microsoftAuthenticator", "phone"]
    assert [m.kind for m in user_named(runtime, ADELE).methods] in ([], ["password"])
    assert first.detail.startswith("removed 2") and second.skipped
