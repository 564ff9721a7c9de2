"""license add and license remove: seats, usage location, group-based licences, the router once."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from bot.approvals.cards import action_button, parse_action
from bot.pipeline.invocation import Invocation
from bot.process.runtime import Runtime
from cards.reply import Level, Reply
from commands import REGISTRY
from commands.license_actions import (
    LicenseAddArgs,
    LicenseRemoveArgs,
    license_add,
    license_remove,
    plan_license_add,
    plan_license_remove,
)
from core.errors import Forbidden, NotFound, UserError
from sandbox.seeds.catalog import SKU_IDS
from tests.commands.contexts import contoso_context
from tests.commands.replies import facts, text
from tests.commands.sandbox_state import contoso_directory as _directory
from tests.commands.sandbox_state import sandbox_of as _sandbox
from tests.commands.sandbox_state import user_named as _user
from tests.plugins.runtime import OPERATOR, Ask

E3 = SKU_IDS["SPE_E3"]
O365_E3 = SKU_IDS["ENTERPRISEPACK"]
RECEPTION = "reception@contoso.com"
ADELE = "adele.vance@contoso.com"


def _change(runtime: Runtime, upn: str, **fields: Any) -> None:
    _directory(runtime).add_user(replace(_user(runtime, upn), **fields))


def _writes(runtime: Runtime) -> list[tuple[str, str, Any]]:
    return [
        (r.method, r.path, r.body)
        for r in _sandbox(runtime).requests
        if r.method in {"POST", "PATCH"} and r.path.startswith("/v1.0/users/")
    ]


def test_licence_actions_are_destructive_and_least_privileged() -> None:
    add, remove = REGISTRY.get("license add"), REGISTRY.get("license remove")
    assert add is not None and remove is not None
    assert add.destructive and remove.destructive
    assert add.permissions[0] == remove.permissions[0] == "LicenseAssignment.ReadWrite.All"
    assert "User.ReadUpdate.All" in add.permissions
    assert REGISTRY.get("licence add") is add


async def test_the_add_plan_names_the_product_and_the_seats(runtime: Runtime) -> None:
    plan = await plan_license_add(
        contoso_context(runtime), LicenseAddArgs(user=RECEPTION, sku="Microsoft 365 E3")
    )

    assert plan.summary == (
        "Give Reception (reception@contoso.com) a Microsoft 365 E3 (SPE_E3) licence in Contoso"
    )
    assert plan.effects == (
        "Assign Microsoft 365 E3 (SPE_E3) to reception@contoso.com (assignLicense); 0 free "
        "afterwards (18 purchased, 17 assigned now)",
    )
    assert plan.state["skuId"] == E3
    assert plan.state["setUsageLocation"] == ""
    assert _writes(runtime) == []


async def test_license_add_assigns_the_sku_and_reports_the_free_seats(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = LicenseAddArgs(user=RECEPTION, sku="spe_e3")
    plan = await plan_license_add(ctx, args)

    reply = await license_add(ctx, args, plan)

    reception = _user(runtime, RECEPTION)
    assert _writes(runtime) == [
        (
            "POST",
            f"/v1.0/users/{reception.id}/assignLicense",
            {"addLicenses": [{"disabledPlans": [], "skuId": E3}], "removeLicenses": []},
        )
    ]
    assert reception.sku_ids == (E3,)
    assert _directory(runtime).consumed_units(E3) == 18
    assert reply.level is Level.SUCCESS, text(reply)
    assert facts(reply) == {"Licence": "Microsoft 365 E3 (SPE_E3)", "Free seats": "0 of 18"}


async def test_an_exhausted_licence_is_refused_with_the_counts(runtime: Runtime) -> None:
    _change(runtime, "breakglass@contoso.com", sku_ids=(E3,))

    with pytest.raises(UserError, match="No Microsoft 365 E3 \\(SPE_E3\\) licence is free") as no:
        await plan_license_add(
            contoso_context(runtime), LicenseAddArgs(user=RECEPTION, sku="SPE_E3")
        )

    assert "18 purchased, 18 assigned" in no.value.message
    assert _writes(runtime) == []


async def test_a_seat_taken_between_confirmation_and_running_is_explained(
    runtime: Runtime,
) -> None:
    ctx = contoso_context(runtime)
    args = LicenseAddArgs(user=RECEPTION, sku="SPE_E3")
    plan = await plan_license_add(ctx, args)
    _change(runtime, "breakglass@contoso.com", sku_ids=(E3,))

    with pytest.raises(UserError, match="someone took the last one meanwhile"):
        await license_add(ctx, args, plan)

    assert _user(runtime, RECEPTION).sku_ids == ()


async def test_a_missing_usage_location_is_set_first_from_the_tenant(runtime: Runtime) -> None:
    _sandbox(runtime).tenant("contoso").permissions.add("User.ReadUpdate.All")
    _change(runtime, RECEPTION, usage_location=None)
    ctx = contoso_context(runtime)
    args = LicenseAddArgs(user=RECEPTION, sku="ENTERPRISEPACK")
    plan = await plan_license_add(ctx, args)

    reply = await license_add(ctx, args, plan)

    reception = _user(runtime, RECEPTION)
    assert plan.effects[0] == (
        "Set reception@contoso.com's usage location to US, the tenant's country "
        "(--usage-location chooses another)"
    )
    assert _writes(runtime)[0] == (
        "PATCH",
        f"/v1.0/users/{reception.id}",
        {"usageLocation": "US"},
    )
    assert reception.usage_location == "US"
    assert reception.sku_ids == (O365_E3,)
    assert facts(reply)["Usage location"] == "US"


async def test_a_given_usage_location_is_used_and_its_permission_named(runtime: Runtime) -> None:
    _change(runtime, RECEPTION, usage_location=None)
    _sandbox(runtime).tenant("contoso").permissions -= {"User.ReadUpdate.All", "User.ReadWrite.All"}
    ctx = contoso_context(runtime)
    args = LicenseAddArgs(user=RECEPTION, sku="ENTERPRISEPACK", usage_location="gb")
    plan = await plan_license_add(ctx, args)

    with pytest.raises(Forbidden, match=re.escape("User.ReadUpdate.All")):
        await license_add(ctx, args, plan)

    assert plan.effects[0] == "Set reception@contoso.com's usage location to GB (as given)"
    assert _user(runtime, RECEPTION).sku_ids == ()


def test_a_usage_location_must_be_two_letters() -> None:
    with pytest.raises(ValueError, match="two-letter country code"):
        LicenseAddArgs(user=RECEPTION, sku="SPE_E3", usage_location="USA")


async def test_unknown_and_unsubscribed_licences_list_the_tenants_own(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)

    with pytest.raises(NotFound, match=r"Contoso has no subscription for .*\(SPE_E5\)") as e5:
        await plan_license_add(ctx, LicenseAddArgs(user=RECEPTION, sku="SPE_E5"))
    with pytest.raises(NotFound, match="No licence of Contoso matches 'Visio'"):
        await plan_license_add(ctx, LicenseAddArgs(user=RECEPTION, sku="Visio"))

    assert "Microsoft 365 E3 (SPE_E3)" in e5.value.message


async def test_a_licence_already_held_is_nothing_to_do(runtime: Runtime) -> None:
    with pytest.raises(UserError, match="already has Microsoft 365 E3 \\(SPE_E3\\) directly"):
        await plan_license_add(contoso_context(runtime), LicenseAddArgs(user=ADELE, sku="SPE_E3"))


async def test_license_remove_frees_the_seat(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    args = LicenseRemoveArgs(user=ADELE, sku="SPE_E3")
    plan = await plan_license_remove(ctx, args)

    reply = await license_remove(ctx, args, plan)

    adele = _user(runtime, ADELE)
    assert plan.effects[1] == (
        "One Microsoft 365 E3 (SPE_E3) seat is freed (18 purchased, 17 assigned now)"
    )
    assert _writes(runtime) == [
        (
            "POST",
            f"/v1.0/users/{adele.id}/assignLicense",
            {"addLicenses": [], "removeLicenses": [E3]},
        )
    ]
    assert adele.sku_ids == ()
    assert reply.level is Level.SUCCESS, text(reply)
    assert facts(reply)["Free seats"] == "2 of 18"


async def test_a_licence_from_a_group_cannot_be_removed_directly(runtime: Runtime) -> None:
    sales = next(g for g in _directory(runtime).groups.values() if g.display_name == "SG-Finance")
    _change(runtime, RECEPTION, inherited_licenses=((O365_E3, sales.id),))

    with pytest.raises(UserError, match="through group-based licensing \\(group SG-Finance\\)"):
        await plan_license_remove(
            contoso_context(runtime), LicenseRemoveArgs(user=RECEPTION, sku="ENTERPRISEPACK")
        )
    with pytest.raises(UserError, match=r"already has .* through group SG-Finance"):
        await plan_license_add(
            contoso_context(runtime), LicenseAddArgs(user=RECEPTION, sku="ENTERPRISEPACK")
        )


async def test_removing_a_licence_not_held_is_nothing_to_do(runtime: Runtime) -> None:
    with pytest.raises(UserError, match=r"has no Office 365 E3 .*nothing to remove"):
        await plan_license_remove(
            contoso_context(runtime), LicenseRemoveArgs(user=ADELE, sku="ENTERPRISEPACK")
        )


def _confirm_button(reply: Reply) -> str:
    for button in reply.buttons:
        decision = parse_action(button.action_id)
        if decision and decision[1] == "confirm":
            return action_button(decision[0], "confirm")
    raise AssertionError(f"no confirm button in {reply!r}")


async def test_license_add_through_the_router_with_confirmation(runtime: Runtime, ask: Ask) -> None:
    card = await ask(f"/licence add {RECEPTION} Microsoft 365 E3 --tenant contoso")
    before = _writes(runtime)
    done = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )

    assert "a Microsoft 365 E3 (SPE_E3) licence" in text(card)
    assert before == []
    assert done.level is Level.SUCCESS, text(done)
    assert _user(runtime, RECEPTION).sku_ids == (E3,)


async def test_a_bad_usage_location_on_the_command_line_is_a_usage_error(ask: Ask) -> None:
    reply = await ask(f"/license add {RECEPTION} SPE_E3 --usage-location Germany --tenant contoso")

    assert reply.level is Level.ERROR
    assert "two-letter country code" in text(reply)
    assert "Usage: /license add" in text(reply)


async def test_license_remove_through_the_router_with_confirmation(
    runtime: Runtime, ask: Ask
) -> None:
    card = await ask(f"/license remove {ADELE} SPE_E3 --tenant contoso")
    done = await runtime.router.handle(
        Invocation(channel="console", actor=OPERATOR, text="", action=_confirm_button(card))
    )

    assert "Remove Adele Vance (adele.vance@contoso.com)'s Microsoft 365 E3" in text(card)
    assert done.level is Level.SUCCESS, text(done)
    assert _user(runtime, ADELE).sku_ids == ()
