"""/mfa methods, /mfa reregister and /mfa state: planners and executors on Contoso, the documented
requests and the sandbox after them, and each destructive command once through the router."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.approvals.cards import action_button, parse_action
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.kit.plan import plan_changes
from commands.kit.registry import ANYONE, Role
from commands.mfa import (
    MfaStateArgs,
    ReregisterArgs,
    mfa_reregister,
    mfa_state,
    plan_mfa_state,
    plan_reregister,
)
from core.errors import Forbidden, UserError
from sandbox import Fault, Sandbox
from sandbox.model import AuthMethod, User
from tests.commands.contexts import contoso_context
from tests.commands.replies import column, notices, tables, text
from tests.plugins.runtime import OPERATOR, Ask

METHODS_WRITE = "UserAuthenticationMethod.ReadWrite.All"
MFA_WRITE = "Policy.ReadWrite.AuthenticationMethod"
ADELE = "adele.vance@contoso.com"
MOBILE = "3179e48a-750b-4051-897c-87b9720928f7"


def _sandbox(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


def _user(runtime: Runtime, upn: str) -> User:
    user = _sandbox(runtime).tenant("contoso").directory.find_user(upn)
    assert user is not None
    return user


def _method(user: User, kind: str) -> AuthMethod:
    return next(m for m in user.methods if m.kind == kind)


def _writes(runtime: Runtime) -> list[tuple[str, str, Any, int]]:
    """Every write Graph received: method, path, body and the status it answered."""
    return [
        (r.method, r.path, r.body, r.status)
        for r in _sandbox(runtime).requests
        if r.method in {"POST", "PATCH", "DELETE"} and "/users/" in r.path
    ]


@pytest.fixture(autouse=True)
def granted(runtime: Runtime) -> None:
    """Contoso consents to method and per-user MFA writes before Deskhand's first token."""
    _sandbox(runtime).tenant("contoso").permissions |= {METHODS_WRITE, MFA_WRITE}


def test_the_specs_declare_what_each_command_needs() -> None:
    methods = REGISTRY.get("mfa methods")
    reregister = REGISTRY.get("mfa reregister")
    state = REGISTRY.get("mfa state")

    assert methods is not None and not methods.destructive and methods.roles == ANYONE
    assert methods.permissions[0] == "UserAuthenticationMethod.Read.All"
    assert reregister is not None and reregister.destructive
    assert reregister.permissions[0] == METHODS_WRITE
    assert state is not None and state.destructive
    assert state.permissions[0] == MFA_WRITE
    assert reregister.roles == state.roles == {Role.TECHNICIAN, Role.ADMIN}
    assert [spec.name for spec in REGISTRY.family("mfa")] == [
        "mfa methods",
        "mfa reregister",
        "mfa state",
    ]


# --- /mfa methods ----------------------------------------------------------------------------


async def test_methods_are_listed_with_what_reregister_can_remove(ask: Ask) -> None:
    reply = await ask(f"/mfa methods {ADELE} --tenant contoso")

    (table,) = tables(reply)
    assert reply.title == f"Authentication methods: {ADELE}"
    assert column(table, "method") == [
        "Password",
        "Microsoft Authenticator (Adele's phone)",
        "Phone (mobile)",
    ]
    assert column(table, "removable by /mfa reregister") == [
        "no: passwords cannot be removed (use /reset-password)",
        "yes",
        "yes",
    ]
    assert notices(reply) == []


async def test_a_user_without_mfa_is_pointed_to_tap(ask: Ask) -> None:
    reply = await ask("/mfa methods lynne.robbins@contoso.com --tenant contoso")

    assert notices(reply) == [
        "Lynne Robbins (lynne.robbins@contoso.com) has no MFA method registered. /tap issues "
        "a Temporary Access Pass they can register one with."
    ]


# --- /mfa reregister -------------------------------------------------------------------------


async def test_the_reregister_plan_lists_every_method_and_keeps_the_password(
    runtime: Runtime,
) -> None:
    adele = _user(runtime, ADELE)
    app = _method(adele, "microsoftAuthenticator")

    plan = await plan_reregister(contoso_context(runtime), ReregisterArgs(user=ADELE))

    assert plan.effects == (
        "Remove Microsoft Authenticator (Adele's phone)",
        "Remove Phone (mobile)",
        "Keep Password: passwords cannot be removed (use /reset-password)",
    )
    password = _method(adele, "password")
    assert plan.state["methods"] == ",".join(
        sorted(
            (
                f"microsoftAuthenticatorAuthenticationMethod:{app.id}",
                f"passwordAuthenticationMethod:{password.id}",
                f"phoneAuthenticationMethod:{MOBILE}",
            )
        )
    )
    assert any("/revoke-sessions" in note for note in plan.notes)
    assert _writes(runtime) == []


async def test_reregister_removes_the_default_method_last(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ReregisterArgs(user=ADELE)
    adele = _user(runtime, ADELE)
    app = _method(adele, "microsoftAuthenticator")

    reply = await mfa_reregister(ctx, args, await plan_reregister(ctx, args))

    base = f"/v1.0/users/{adele.id}/authentication"
    assert _writes(runtime) == [
        ("DELETE", f"{base}/microsoftAuthenticatorMethods/{app.id}", None, 400),
        ("DELETE", f"{base}/phoneMethods/{MOBILE}", None, 204),
        ("DELETE", f"{base}/microsoftAuthenticatorMethods/{app.id}", None, 204),
    ]
    assert [m.kind for m in _user(runtime, ADELE).methods] == ["password"]
    assert reply.level is Level.SUCCESS, text(reply)
    (table,) = tables(reply)
    assert column(table, "result") == ["removed", "removed"]


async def test_each_type_goes_to_its_own_collection(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ReregisterArgs(user="patti.fernandez@contoso.com")

    reply = await mfa_reregister(ctx, args, await plan_reregister(ctx, args))

    collections = {path.split("/")[-2] for _, path, _, status in _writes(runtime) if status == 204}
    assert collections == {
        "microsoftAuthenticatorMethods",
        "windowsHelloForBusinessMethods",
        "fido2Methods",
    }
    assert reply.level is Level.SUCCESS


async def test_a_user_with_only_a_password_has_nothing_to_remove(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="no authentication method to remove besides the password"):
        await plan_reregister(
            contoso_context(runtime), ReregisterArgs(user="lynne.robbins@contoso.com")
        )


async def test_a_method_registered_since_the_plan_stops_the_action(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ReregisterArgs(user=ADELE)
    before = await plan_reregister(ctx, args)
    adele = _user(runtime, ADELE)
    key = AuthMethod("fido2", "new-key", {"displayName": "New key"})
    _sandbox(runtime).tenant("contoso").directory.add_user(
        replace(adele, methods=(*adele.methods, key))
    )

    assert plan_changes(before, await plan_reregister(ctx, args)) == ["methods"]


async def test_a_failure_midway_says_what_was_and_was_not_removed(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ReregisterArgs(user=ADELE)
    plan = await plan_reregister(ctx, args)
    _sandbox(runtime).inject(
        "contoso", Fault("throttle", count=20, retry_after=0.01, path="/phoneMethods/")
    )

    reply = await mfa_reregister(ctx, args, plan)

    assert reply.level is Level.ERROR
    assert reply.title == f"Methods only partly removed: {ADELE}"
    (table,) = tables(reply)
    assert column(table, "result")[0].startswith("refused")
    assert column(table, "result")[1].startswith("failed: Microsoft Graph is throttling")
    assert "Removed 0 of 2 methods" in text(reply)
    assert len(_user(runtime, ADELE).methods) == 3


async def test_reregister_without_the_permission_names_it(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = ReregisterArgs(user=ADELE)
    plan = await plan_reregister(ctx, args)
    _sandbox(runtime).tenant("contoso").permissions.discard(METHODS_WRITE)

    with pytest.raises(Forbidden, match=METHODS_WRITE):
        await mfa_reregister(ctx, args, plan)

    assert len(_user(runtime, ADELE).methods) == 3


# --- /mfa state ------------------------------------------------------------------------------


async def test_per_user_mfa_is_set_with_the_documented_beta_patch(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = MfaStateArgs(state="enforced", user=ADELE)
    plan = await plan_mfa_state(ctx, args)

    reply = await mfa_state(ctx, args, plan)

    adele = _user(runtime, ADELE)
    assert plan.effects == (
        f"Change per-user MFA of {ADELE} from disabled to enforced: the user must use MFA at "
        "every sign-in",
    )
    assert (plan.state["perUserMfaState"], plan.state["requestedState"]) == (
        "disabled",
        "enforced",
    )
    assert _writes(runtime) == [
        (
            "PATCH",
            f"/beta/users/{adele.id}/authentication/requirements",
            {"perUserMfaState": "enforced"},
            204,
        )
    ]
    assert adele.per_user_mfa == "enforced"
    assert reply.level is Level.SUCCESS
    assert reply.title == f"Per-user MFA enforced: {ADELE}"


async def test_a_state_the_user_already_has_is_refused(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="already enforced in Contoso; nothing to do"):
        await plan_mfa_state(
            contoso_context(runtime),
            MfaStateArgs(state="enforced", user="isaiah.langer@contoso.com"),
        )


async def test_disabling_notes_that_conditional_access_still_applies(runtime: Runtime) -> None:
    plan = await plan_mfa_state(
        contoso_context(runtime), MfaStateArgs(state="disabled", user="joni.sherman@contoso.com")
    )

    assert "still asked" in plan.notes[-1]


async def test_an_unknown_state_is_a_usage_error(ask: Ask) -> None:
    reply = await ask(f"/mfa state on {ADELE} --tenant contoso")

    assert reply.level is Level.ERROR
    assert "<state>" in text(reply) and "'enforced', 'enabled' or 'disabled'" in text(reply)


async def test_per_user_mfa_without_the_permission_names_it(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = MfaStateArgs(state="enabled", user=ADELE)
    plan = await plan_mfa_state(ctx, args)
    _sandbox(runtime).tenant("contoso").permissions.discard(MFA_WRITE)

    with pytest.raises(Forbidden, match=MFA_WRITE):
        await mfa_state(ctx, args, plan)

    assert _user(runtime, ADELE).per_user_mfa == "disabled"


# --- through the router ----------------------------------------------------------------------


def _confirm_button(reply: Reply) -> str:
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision and decision[1] == "confirm":
            return action_button(decision[0], "confirm")
    raise AssertionError(f"no confirm button in {reply!r}")


async def _confirmed(runtime: Runtime, card: Reply) -> Reply:
    return await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )


async def test_reregister_and_state_through_the_router_with_confirmation(
    runtime: Runtime, ask: Ask
) -> None:
    card = await ask(f"/mfa reregister {ADELE} --tenant contoso --reason TCK-9")
    untouched = len(_user(runtime, ADELE).methods)
    removed = await _confirmed(runtime, card)
    state_card = await ask(f"/mfa state enabled {ADELE} --tenant contoso")
    enabled = await _confirmed(runtime, state_card)

    assert "Remove Microsoft Authenticator (Adele's phone)" in text(card)
    assert untouched == 3
    assert removed.level is Level.SUCCESS, text(removed)
    assert [m.kind for m in _user(runtime, ADELE).methods] == ["password"]
    assert "from disabled to enabled" in text(state_card)
    assert enabled.level is Level.SUCCESS, text(enabled)
    assert _user(runtime, ADELE).per_user_mfa == "enabled"
