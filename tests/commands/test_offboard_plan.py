"""/offboard's planner: the concrete plan for a leaver, and each refusal with nothing changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.process.runtime import Runtime
from commands import REGISTRY
from commands.kit.steps import waves
from commands.offboard import OffboardArgs, plan_offboard
from commands.offboard_steps import offboard_steps
from commands.queries.offboarding import Snapshot
from core.errors import UserError
from tests.commands.contexts import contoso_context
from tests.commands.sandbox_state import contoso_directory, sandbox_of, user_named

ADELE = "adele.vance@contoso.com"
# Exchange reads the sandbox does not emulate yet (exo-offboard): left out here.
_NO_EXO: dict[str, object] = {}


def _args(user: str, **options: object) -> OffboardArgs:
    return OffboardArgs.model_validate({"user": user, **_NO_EXO, **options})


def _writes(runtime: Runtime) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in sandbox_of(runtime).requests
        if r.method in ("PATCH", "DELETE", "PUT")
        or (r.method == "POST" and r.path.endswith(("/assignLicense", "/$ref")))
        or ("InvokeCommand" in r.path and "Get-" not in str(r.body))
    ]


def test_offboard_is_a_job_command_with_every_permission_it_uses() -> None:
    spec = REGISTRY.get("offboard")
    assert (
        spec is not None and spec.destructive and spec.steps is not None and spec.undo is not None
    )
    for permission in (
        "User.EnableDisableAccount.All",
        "LicenseAssignment.ReadWrite.All",
        "GroupMember.ReadWrite.All",
        "UserAuthenticationMethod.ReadWrite.All",
        "Exchange.ManageAsApp",
    ):
        assert permission in spec.permissions


async def test_adeles_plan_lists_licences_groups_and_orders_shared_first(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)

    plan = await plan_offboard(ctx, _args("adele"))

    assert plan.target == ADELE
    assert any(e.startswith("Convert the mailbox to shared before removing") for e in plan.effects)
    assert "Remove 1 licence: Microsoft 365 E3 (SPE_E3)" in plan.effects
    assert (
        "Remove from 4 groups: All Company, Contoso Announcements, Sales and Marketing, Sales "
        "Leads (owner of 1: Sales and Marketing, 1 other owner)"
    ) in plan.effects
    assert plan.effects[0] == f"Block sign-in for {ADELE}"
    snapshot = Snapshot.from_json(str(plan.state["snapshot"]))
    assert Snapshot.from_json(snapshot.to_json()) == snapshot
    again = await plan_offboard(ctx, _args("adele"))
    assert again.state == plan.state  # deterministic for an unchanged user
    steps = offboard_steps(ctx, _args("adele"), plan)
    rounds = [[s.key for s in wave] for wave in waves(steps)]
    assert "revoke" not in rounds[0] and "block" in rounds[0]
    assert _writes(runtime) == []


async def test_refusals_change_nothing(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    cases = {
        "nobody.here": "No user in",
        "jordan.miller": "/delete-user",
        "reception": "already offboarded",
    }
    for user, said in cases.items():
        with pytest.raises(UserError, match=said):
            await plan_offboard(ctx, _args(user))
    with pytest.raises(UserError, match="needs --reason"):
        await plan_offboard(ctx, _args("adele", forward_to="someone@example.org"))
    with pytest.raises(UserError, match="Nobody was given access"):
        await plan_offboard(ctx, _args("adele", mailbox_to="ghost.person@contoso.com"))
    assert _writes(runtime) == []


async def test_a_synced_user_skips_what_on_premises_ad_would_undo(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)

    plan = await plan_offboard(ctx, _args("lee.gu"))

    assert any("synced from on-premises" in note and "block sign-in" in note for note in plan.notes)
    keys = {step.key for step in offboard_steps(ctx, _args("lee.gu"), plan)}
    assert "block" not in keys and "password" not in keys and "revoke" in keys


async def test_a_shared_mailbox_in_use_is_refused_as_no_leaver(runtime: Runtime) -> None:
    reception = user_named(runtime, "reception@contoso.com")
    contoso_directory(runtime).users[reception.id] = replace(reception, account_enabled=True)

    with pytest.raises(UserError, match="is a shared mailbox, not a person's account"):
        await plan_offboard(contoso_context(runtime), _args("reception"))

    assert _writes(runtime) == []


async def test_a_protected_account_needs_an_admins_approval(runtime: Runtime) -> None:
    ctx = contoso_context(runtime, protected_accounts=frozenset({ADELE}))

    plan = await plan_offboard(ctx, _args("adele"))

    assert plan.protection and any("break-glass" in r.lower() for r in plan.protection.reasons)
    unprotected = await plan_offboard(contoso_context(runtime), _args("adele"))
    assert not unprotected.protection


async def test_nobody_to_hand_over_to_leaves_the_grants_out(runtime: Runtime) -> None:
    adele = user_named(runtime, ADELE)
    contoso_directory(runtime).users[adele.id] = replace(adele, manager_id=None)
    ctx = contoso_context(runtime)

    plan = await plan_offboard(ctx, _args("adele"))

    assert "No manager is set: name who gets the mailbox with --mailbox-to." in plan.notes
    assert any(e.startswith("OneDrive: skipped, no manager is set") for e in plan.effects)
    keys = {step.key for step in offboard_steps(ctx, _args("adele"), plan)}
    assert not keys & {"mailbox", "onedrive"}
    with pytest.raises(UserError, match="Nobody was given access"):
        await plan_offboard(ctx, _args("adele", onedrive_to="ghost.person@contoso.com"))
    assert _writes(runtime) == []
