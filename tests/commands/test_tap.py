"""/tap: the planner against the tenant's TAP policy, the executor's documented request, the
pass only in the secret, and the whole router once."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.approvals.cards import action_button, parse_action
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.kit.context import CommandContext
from commands.kit.plan import plan_changes
from commands.kit.registry import Role
from commands.tap import TapArgs, plan_tap, tap
from core.errors import Forbidden, UserError
from sandbox import Sandbox
from sandbox.model import AuthMethod, TapPolicy, User
from tests.commands.contexts import contoso_context
from tests.commands.replies import facts, text
from tests.plugins.runtime import OPERATOR, Ask

METHODS_WRITE = "UserAuthenticationMethod.ReadWrite.All"
LYNNE = "lynne.robbins@contoso.com"
DIEGO = "diego.siciliani@contoso.com"


def _sandbox(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


def _user(runtime: Runtime, upn: str, tenant: str = "contoso") -> User:
    user = _sandbox(runtime).tenant(tenant).directory.find_user(upn)
    assert user is not None
    return user


def _passes(runtime: Runtime, upn: str) -> list[AuthMethod]:
    return [m for m in _user(runtime, upn).methods if m.kind == "temporaryAccessPass"]


def _writes(runtime: Runtime) -> list[tuple[str, str, Any]]:
    return [
        (r.method, r.path, r.body)
        for r in _sandbox(runtime).requests
        if r.method in {"POST", "PATCH", "DELETE"} and r.path.startswith("/v1.0/users/")
    ]


def _fabrikam_context(runtime: Runtime) -> CommandContext:
    directory = runtime.router.tenants
    fabrikam = next(t for t in directory.tenants if t.name == "fabrikam")
    return contoso_context(runtime, tenant=fabrikam, graph_client=directory.client(fabrikam))


@pytest.fixture(autouse=True)
def granted(runtime: Runtime) -> None:
    """Both tenants consent to method writes before Deskhand's first token."""
    for tenant in ("contoso", "fabrikam"):
        _sandbox(runtime).tenant(tenant).permissions.add(METHODS_WRITE)


def test_tap_is_destructive_with_least_privileged_permissions() -> None:
    spec = REGISTRY.get("tap")

    assert spec is not None and spec.destructive
    assert spec.roles == {Role.TECHNICIAN, Role.ADMIN}
    assert spec.permissions[:2] == (METHODS_WRITE, "Policy.Read.All")


async def test_the_plan_follows_the_policy_defaults(runtime: Runtime) -> None:
    plan = await plan_tap(contoso_context(runtime), TapArgs(user=LYNNE))

    assert plan.summary == (
        "Issue a Temporary Access Pass for Lynne Robbins (lynne.robbins@contoso.com) in Contoso"
    )
    assert plan.effects == (
        "Create a Temporary Access Pass for lynne.robbins@contoso.com: one-time use, working "
        "for 60 minutes from now",
    )
    assert plan.state["lifetimeInMinutes"] == 60
    assert plan.state["isUsableOnce"] is True
    assert plan.state["currentPasses"] == ""
    assert "shown once, only to you" in plan.notes[0]
    assert _writes(runtime) == []


async def test_a_pass_is_created_as_documented_and_shown_only_in_the_secret(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)
    args = TapArgs(user=LYNNE, lifetime=120)
    plan = await plan_tap(ctx, args)

    reply = await tap(ctx, args, plan)

    lynne = _user(runtime, LYNNE)
    assert _writes(runtime) == [
        (
            "POST",
            f"/v1.0/users/{lynne.id}/authentication/temporaryAccessPassMethods",
            {"lifetimeInMinutes": 120, "isUsableOnce": True},
        )
    ]
    (created,) = _passes(runtime, LYNNE)
    assert created.properties["lifetimeInMinutes"] == 120
    assert reply.level is Level.SUCCESS, text(reply)
    assert len(reply.secret) == 8
    assert reply.secret not in text(reply) + repr(reply)
    assert facts(reply)["Use"] == "one time"
    assert facts(reply)["Works for"] == "120 minutes"


async def test_a_multi_use_pass_is_asked_for_with_is_usable_once_false(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = TapArgs(user=LYNNE, multi_use=True)

    reply = await tap(ctx, args, await plan_tap(ctx, args))

    assert _writes(runtime)[0][2] == {"lifetimeInMinutes": 60, "isUsableOnce": False}
    assert facts(reply)["Use"] == "many times"


async def test_the_current_pass_is_named_as_replaced(runtime: Runtime) -> None:
    (old,) = _passes(runtime, DIEGO)
    ctx = contoso_context(runtime)
    args = TapArgs(user=DIEGO)
    plan = await plan_tap(ctx, args)

    await tap(ctx, args, plan)

    assert plan.effects[1].startswith("Replace diego.siciliani@contoso.com's current pass")
    assert plan.effects[1].endswith("no longer usable): it stops working")
    assert plan.state["currentPasses"] == old.id
    (new,) = _passes(runtime, DIEGO)
    assert new.id != old.id


async def test_a_pass_made_since_the_plan_stops_the_action(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = TapArgs(user=LYNNE)
    before = await plan_tap(ctx, args)
    await tap(ctx, args, await plan_tap(ctx, args))

    assert plan_changes(before, await plan_tap(ctx, args)) == ["currentPasses"]


async def test_a_tenant_with_the_policy_off_is_told_where_to_turn_it_on(
    runtime: Runtime,
) -> None:
    with pytest.raises(UserError) as refused:
        await plan_tap(_fabrikam_context(runtime), TapArgs(user="katie.jordan@fabrikam.com"))

    assert refused.value.message.startswith(
        "Temporary Access Passes are turned off in Fabrikam, so Deskhand cannot issue one for "
        "Katie Jordan (katie.jordan@fabrikam.com)."
    )
    assert "Authentication methods > Policies > Temporary Access Pass" in refused.value.message
    assert _writes(runtime) == []


@pytest.mark.parametrize("minutes", [30, 600])
async def test_a_lifetime_outside_the_policy_is_refused(runtime: Runtime, minutes: int) -> None:
    with pytest.raises(UserError, match="allows lifetimes from 60 to 480 minutes") as refused:
        await plan_tap(contoso_context(runtime), TapArgs(user=LYNNE, lifetime=minutes))

    assert f"a {minutes}-minute pass cannot be issued" in refused.value.message


async def test_multi_use_is_refused_where_the_policy_allows_one_time_passes_only(
    runtime: Runtime,
) -> None:
    directory = _sandbox(runtime).tenant("contoso").directory
    directory.tap_policy = replace(directory.tap_policy, is_usable_once=True)

    with pytest.raises(UserError, match="allows one-time passes only"):
        await plan_tap(contoso_context(runtime), TapArgs(user=LYNNE, multi_use=True))


async def test_a_blocked_user_is_told_the_pass_waits_for_unblock(
    runtime: Runtime,
) -> None:
    plan = await plan_tap(contoso_context(runtime), TapArgs(user="alex.wilber@contoso.com"))

    assert (
        "Sign-in is blocked for alex.wilber@contoso.com: the pass works only after /unblock."
        in (plan.notes)
    )


async def test_a_missing_permission_is_named(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = TapArgs(user=LYNNE)
    plan = await plan_tap(ctx, args)
    _sandbox(runtime).tenant("contoso").permissions.discard(METHODS_WRITE)

    with pytest.raises(Forbidden, match=METHODS_WRITE) as refused:
        await tap(ctx, args, plan)

    assert refused.value.permission == METHODS_WRITE
    assert _passes(runtime, LYNNE) == []


async def test_a_refusal_by_entra_changes_nothing_and_says_why(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = TapArgs(user=LYNNE)
    plan = await plan_tap(ctx, args)
    directory = _sandbox(runtime).tenant("contoso").directory
    directory.tap_policy = TapPolicy(state="disabled")

    with pytest.raises(Exception, match="Microsoft Entra refused a Temporary Access Pass"):
        await tap(ctx, args, plan)

    assert _passes(runtime, LYNNE) == []


# --- through the router ----------------------------------------------------------------------


def _confirm_button(reply: Reply) -> str:
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision and decision[1] == "confirm":
            return action_button(decision[0], "confirm")
    raise AssertionError(f"no confirm button in {reply!r}")


async def test_tap_through_the_router_leaves_the_pass_nowhere_but_the_secret(
    runtime: Runtime, ask: Ask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    card = await ask(f"/tap {LYNNE} --tenant contoso --lifetime 90 --reason TCK-7")
    issued = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )

    assert "working for 90 minutes from now" in text(card)
    assert issued.level is Level.SUCCESS, text(issued)
    code = issued.secret
    assert len(code) == 8
    assert _writes(runtime)[0][2] == {"lifetimeInMinutes": 90, "isUsableOnce": True}
    assert code not in caplog.text
    scanned, holding = _scan(tmp_path, code)
    assert scanned and holding == []


def _scan(root: Path, needle: str) -> tuple[int, list[Path]]:
    """How many files under `root` were read (the database among them), and which hold it."""
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), [path for path in files if needle.encode() in path.read_bytes()]
