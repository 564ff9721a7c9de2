"""block, unblock, revoke-sessions and reset-password: planners and executors on Contoso."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.kit.plan import plan_changes
from commands.kit.registry import Role
from commands.password import (
    ResetPasswordArgs,
    meets_complexity,
    plan_reset_password,
    reset_password,
)
from commands.signin import (
    SignInArgs,
    block,
    plan_block,
    plan_revoke_sessions,
    plan_unblock,
    revoke_sessions,
    unblock,
)
from core.errors import Forbidden, NotFound, Rejected, Unavailable, UserError
from sandbox import Fault, Sandbox
from sandbox.model import User
from tests.commands.contexts import contoso_context
from tests.commands.replies import text

_TYPED = "Tr0ub4dor&3xyz"


def _sandbox(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


def _user(runtime: Runtime, key: str) -> User:
    user = _sandbox(runtime).tenant("contoso").directory.find_user(f"{key}@contoso.com")
    assert user is not None
    return user


def _writes(runtime: Runtime) -> list[tuple[str, str, Any]]:
    """Every write Graph received: method, path, body (passwords masked by the log)."""
    return [
        (r.method, r.path, r.body)
        for r in _sandbox(runtime).requests
        if r.method in {"PATCH", "POST"} and r.path.startswith("/v1.0/users/")
    ]


def _all_text(reply: Reply) -> str:
    return text(reply) + repr(reply)


# --- the specs -------------------------------------------------------------------------------


def test_the_actions_are_destructive_and_for_technicians_and_admins() -> None:
    for name in ("block", "unblock", "revoke-sessions", "reset-password"):
        spec = REGISTRY.get(name)
        assert spec is not None
        assert spec.destructive
        assert spec.roles == {Role.TECHNICIAN, Role.ADMIN}
    assert REGISTRY.get("block").permissions[:3] == (  # type: ignore[union-attr]
        "User.EnableDisableAccount.All",
        "User.Read.All",
        "User.RevokeSessions.All",
    )
    password = REGISTRY.get("reset-password")
    assert password is not None
    assert "User-PasswordProfile.ReadWrite.All" in password.permissions
    assert "Entra role: User Administrator" in password.permissions


# --- block ---------------------------------------------------------------------------------


async def test_the_block_plan_says_what_will_happen(runtime: Runtime) -> None:
    lynne = _user(runtime, "lynne.robbins")
    plan = await plan_block(contoso_context(runtime), SignInArgs(user="lynne.robbins@contoso.com"))

    assert plan.summary == (
        "Block sign-in for Lynne Robbins (lynne.robbins@contoso.com) in Contoso and revoke "
        "their refresh tokens"
    )
    assert plan.notes == (
        "Already-issued access tokens stay valid up to about an hour unless the app supports "
        "continuous access evaluation.",
    )
    assert len(plan.effects) == 2
    assert (plan.target, plan.target_id) == ("lynne.robbins@contoso.com", lynne.id)
    assert plan.state == {
        "userPrincipalName": "lynne.robbins@contoso.com",
        "accountEnabled": True,
        "onPremisesSyncEnabled": False,
        "userType": "Member",
    }
    assert not plan.protection
    assert _writes(runtime) == []


async def test_block_disables_the_account_then_revokes_sessions(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = SignInArgs(user="lynne")
    plan = await plan_block(ctx, args)

    reply = await block(ctx, args, plan)

    lynne = _user(runtime, "lynne.robbins")
    assert _writes(runtime) == [
        ("PATCH", f"/v1.0/users/{lynne.id}", {"accountEnabled": False}),
        ("POST", f"/v1.0/users/{lynne.id}/revokeSignInSessions", None),
    ]
    assert lynne.account_enabled is False
    assert lynne.sessions_valid_from is not None
    assert reply.level is Level.SUCCESS
    assert "Blocked sign-in for lynne.robbins@contoso.com in Contoso" in text(reply)


async def test_a_stale_block_is_stopped_by_the_planner_run_again(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = SignInArgs(user="lynne.robbins@contoso.com")
    await block(ctx, args, await plan_block(ctx, args))

    with pytest.raises(UserError, match="already blocked"):
        await plan_block(ctx, args)


async def test_a_target_that_became_protected_changes_the_plan(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = SignInArgs(user="lynne.robbins@contoso.com")
    before = await plan_block(ctx, args)

    again = await plan_block(
        contoso_context(runtime, protected_accounts=frozenset({"lynne.robbins@contoso.com"})),
        args,
    )

    assert plan_changes(before, again) == ["protection"]


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ("admin@contoso.com", "Global Administrator (active)"),
        ("sean.o'brien@contoso.com", "Helpdesk Administrator through group Helpdesk Admins"),
        ("allan.deyoung@contoso.com", "Privileged Role Administrator (eligible through PIM)"),
        ("breakglass@contoso.com", "configured break-glass account"),
    ],
)
async def test_protected_targets_carry_their_reasons(
    runtime: Runtime, user: str, reason: str
) -> None:
    ctx = contoso_context(runtime, protected_accounts=frozenset({"breakglass@contoso.com"}))
    for planner in (plan_block, plan_revoke_sessions):
        plan = await planner(ctx, SignInArgs(user=user))
        assert any(r.startswith(reason) for r in plan.protection.reasons)
    password_plan = await plan_reset_password(ctx, ResetPasswordArgs(user=user))
    assert any(r.startswith(reason) for r in password_plan.protection.reasons)


async def test_block_refuses_a_user_synced_from_active_directory(runtime: Runtime) -> None:
    with pytest.raises(UserError) as refused:
        await plan_block(contoso_context(runtime), SignInArgs(user="lee.gu@contoso.com"))

    assert "synced from on-premises Active Directory" in refused.value.message
    assert "Disable the account in on-premises Active Directory" in refused.value.message
    assert _writes(runtime) == []


async def test_block_refuses_an_account_already_blocked(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="already blocked"):
        await plan_block(contoso_context(runtime), SignInArgs(user="alex.wilber@contoso.com"))


async def test_a_fragment_matching_several_users_lists_them(runtime: Runtime) -> None:
    with pytest.raises(UserError) as refused:
        await plan_block(contoso_context(runtime), SignInArgs(user="a"))

    message = refused.value.message
    assert "users in Contoso match 'a'" in message
    assert "Adele Vance (adele.vance@contoso.com)" in message
    assert "with the UPN of the one you mean" in message
    assert not isinstance(refused.value, NotFound)


async def test_an_unknown_user_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound) as missing:
        await plan_block(contoso_context(runtime), SignInArgs(user="nobody.here@contoso.com"))

    assert "No user in Contoso matches 'nobody.here@contoso.com'" in missing.value.message


async def test_a_guest_is_refused(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="is a guest from another organisation"):
        await plan_block(contoso_context(runtime), SignInArgs(user="jordan"))


async def test_a_failed_revocation_after_the_block_says_what_was_done(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = SignInArgs(user="lynne.robbins@contoso.com")
    plan = await plan_block(ctx, args)
    _sandbox(runtime).inject("contoso", Fault("unavailable", path="/revokeSignInSessions"))

    reply = await block(ctx, args, plan)

    assert reply.failed
    assert "Blocked sign-in for lynne.robbins@contoso.com, but revoking their sessions failed" in (
        text(reply)
    )
    assert "/revoke-sessions lynne.robbins@contoso.com" in text(reply)
    lynne = _user(runtime, "lynne.robbins")
    assert lynne.account_enabled is False
    assert lynne.sessions_valid_from is None


async def test_a_failed_block_raises_the_mapped_error_and_changes_nothing(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)
    args = SignInArgs(user="lynne.robbins@contoso.com")
    plan = await plan_block(ctx, args)
    _sandbox(runtime).inject("contoso", Fault("unavailable", path=f"/users/{plan.target_id}"))

    with pytest.raises(Unavailable, match="Try again in a few minutes"):
        await block(ctx, args, plan)

    assert _user(runtime, "lynne.robbins").account_enabled is True
    assert [w[0] for w in _writes(runtime)] == ["PATCH"]


# --- unblock -------------------------------------------------------------------------------


async def test_unblock_enables_the_account_and_checks_it(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = SignInArgs(user="alex.wilber@contoso.com")
    plan = await plan_unblock(ctx, args)
    assert plan.state["accountEnabled"] is False

    reply = await unblock(ctx, args, plan)

    alex = _user(runtime, "alex.wilber")
    assert _writes(runtime) == [("PATCH", f"/v1.0/users/{alex.id}", {"accountEnabled": True})]
    assert alex.account_enabled is True
    assert reply.level is Level.SUCCESS
    assert "alex.wilber@contoso.com can sign in to Contoso again" in text(reply)


async def test_unblock_refuses_an_account_already_enabled(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="already enabled"):
        await plan_unblock(contoso_context(runtime), SignInArgs(user="adele.vance@contoso.com"))


async def test_unblock_refuses_a_synced_user(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="Enable the account in on-premises Active Directory"):
        await plan_unblock(contoso_context(runtime), SignInArgs(user="lee.gu@contoso.com"))


# --- revoke-sessions -------------------------------------------------------------------------


async def test_revoke_sessions_works_for_a_synced_user(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = SignInArgs(user="lee.gu@contoso.com")
    plan = await plan_revoke_sessions(ctx, args)
    assert plan.state["onPremisesSyncEnabled"] is True

    reply = await revoke_sessions(ctx, args, plan)

    lee = _user(runtime, "lee.gu")
    assert _writes(runtime) == [("POST", f"/v1.0/users/{lee.id}/revokeSignInSessions", None)]
    assert lee.sessions_valid_from is not None
    assert reply.level is Level.SUCCESS
    assert f"{lee.sessions_valid_from:%Y-%m-%d %H:%M:%S} UTC" in text(reply)


# --- reset-password --------------------------------------------------------------------------


async def test_a_generated_password_reaches_only_the_secret(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ResetPasswordArgs(user="lynne.robbins@contoso.com")
    plan = await plan_reset_password(ctx, args)
    assert plan.state["passwordSource"] == "generated"
    assert plan.state["forceChangePasswordNextSignIn"] is True

    reply = await reset_password(ctx, args, plan)

    lynne = _user(runtime, "lynne.robbins")
    assert _writes(runtime) == [
        (
            "PATCH",
            f"/v1.0/users/{lynne.id}",
            {"passwordProfile": {"forceChangePasswordNextSignIn": True, "password": "***"}},
        )
    ]
    assert lynne.force_change_password is True
    assert lynne.password_changed is not None
    assert reply.level is Level.SUCCESS
    password = reply.secret
    assert len(password) >= 16
    assert meets_complexity(password)
    assert all(any(c in kind for c in password) for kind in _CLASSES)
    assert password not in _all_text(reply)
    assert password not in repr(plan)
    assert "shown only to you" in text(reply)


_CLASSES = (
    "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    "!@#$%+=?",
)


async def test_each_reset_generates_a_new_password(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ResetPasswordArgs(user="adele.vance@contoso.com")
    first = await reset_password(ctx, args, await plan_reset_password(ctx, args))
    second = await reset_password(ctx, args, await plan_reset_password(ctx, args))

    assert first.secret != second.secret


async def test_no_force_change_leaves_the_flag_off(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ResetPasswordArgs(user="lynne.robbins@contoso.com", no_force_change=True)

    reply = await reset_password(ctx, args, await plan_reset_password(ctx, args))

    body = _writes(runtime)[0][2]
    assert body == {"passwordProfile": {"forceChangePasswordNextSignIn": False, "password": "***"}}
    assert _user(runtime, "lynne.robbins").force_change_password is False
    assert ("Change at next sign-in", "not required") in reply.blocks[0].items  # type: ignore[union-attr]


async def test_a_typed_password_is_refused_where_others_read(runtime: Runtime) -> None:
    args = ResetPasswordArgs(user="lynne.robbins@contoso.com", password=SecretStr(_TYPED))

    with pytest.raises(UserError) as refused:
        await plan_reset_password(contoso_context(runtime, private=False), args)

    assert "direct message" in refused.value.message
    assert "leave out --password" in refused.value.message
    assert "Tr0ub4dor" not in refused.value.message
    assert _writes(runtime) == []


async def test_a_typed_password_is_set_in_a_private_conversation(runtime: Runtime) -> None:
    ctx = contoso_context(runtime, private=True)
    args = ResetPasswordArgs(user="lynne.robbins@contoso.com", password=SecretStr(_TYPED))
    plan = await plan_reset_password(ctx, args)

    reply = await reset_password(ctx, args, plan)

    assert plan.state["passwordSource"] == "typed"
    assert "Tr0ub4dor" not in repr(plan)
    assert reply.level is Level.SUCCESS
    assert reply.secret == ""
    assert "Tr0ub4dor" not in _all_text(reply)
    assert _user(runtime, "lynne.robbins").password_changed is not None


async def test_a_weak_typed_password_is_refused_before_anything_runs(runtime: Runtime) -> None:
    args = ResetPasswordArgs(user="lynne.robbins@contoso.com", password=SecretStr("password"))

    with pytest.raises(UserError, match="three of lower case"):
        await plan_reset_password(contoso_context(runtime, private=True), args)


async def test_a_typed_password_lost_before_running_changes_nothing(runtime: Runtime) -> None:
    ctx = contoso_context(runtime, private=True)
    typed = ResetPasswordArgs(user="lynne.robbins@contoso.com", password=SecretStr(_TYPED))
    plan = await plan_reset_password(ctx, typed)

    reply = await reset_password(ctx, ResetPasswordArgs(user="lynne.robbins@contoso.com"), plan)

    assert reply.failed
    assert reply.secret == ""
    assert _writes(runtime) == []


async def test_reset_password_refuses_a_synced_user(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="password writeback"):
        await plan_reset_password(
            contoso_context(runtime), ResetPasswordArgs(user="lee.gu@contoso.com")
        )


async def test_a_global_administrator_needs_a_stronger_app_role(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ResetPasswordArgs(user="admin@contoso.com")
    plan = await plan_reset_password(ctx, args)

    with pytest.raises(Forbidden) as refused:
        await reset_password(ctx, args, plan)

    message = refused.value.message
    assert "Privileged Authentication Administrator" in message
    assert "Global Administrator (active)" in message
    assert refused.value.status == 403
    assert refused.value.code == "Authorization_RequestDenied"
    assert _user(runtime, "admin").password_changed is None


async def test_a_password_entra_refuses_gives_a_clear_error(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("commands.password.generate_password", lambda: "weakweak")
    ctx = contoso_context(runtime)
    args = ResetPasswordArgs(user="lynne.robbins@contoso.com")
    plan = await plan_reset_password(ctx, args)

    with pytest.raises(Rejected) as refused:
        await reset_password(ctx, args, plan)

    assert "Microsoft Entra refused the new password for lynne.robbins@contoso.com" in (
        refused.value.message
    )
    assert "weakweak" not in refused.value.message
    assert refused.value.code == "Request_BadRequest"
    assert _user(runtime, "lynne.robbins").password_changed is None
