from __future__ import annotations

from bot.process.runtime import Runtime
from commands.queries.protection import PRIVILEGED_ROLES, _holds, protection_of
from core.errors import Rejected
from integrations.graph import BatchResult
from sandbox import Fault, Sandbox
from sandbox.model import RoleEligibility
from tests.commands.contexts import contoso_context


def _sandbox(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


def _user_id(runtime: Runtime, key: str) -> str:
    user = _sandbox(runtime).tenant("contoso").directory.find_user(f"{key}@contoso.com")
    assert user is not None
    return user.id


async def _reasons(runtime: Runtime, key: str, **changes: object) -> tuple[str, ...]:
    ctx = contoso_context(runtime, **changes)
    protection = await protection_of(ctx, _user_id(runtime, key), f"{key}@contoso.com")
    return protection.reasons


async def test_an_active_global_administrator_is_protected(runtime: Runtime) -> None:
    assert await _reasons(runtime, "admin") == ("Global Administrator (active)",)


async def test_a_configured_break_glass_account_is_protected_by_upn_or_id(
    runtime: Runtime,
) -> None:
    by_upn = await _reasons(runtime, "breakglass", protected_accounts={"breakglass@contoso.com"})
    assert by_upn == ("configured break-glass account", "Global Administrator (active)")
    by_id = await _reasons(
        runtime, "lynne.robbins", protected_accounts={_user_id(runtime, "lynne.robbins")}
    )
    assert by_id == ("configured break-glass account",)


async def test_pim_eligibility_counts_beside_active_roles(runtime: Runtime) -> None:
    assert await _reasons(runtime, "allan.deyoung") == (
        "User Administrator (active)",
        "Helpdesk Administrator (active)",
        "Privileged Role Administrator (eligible through PIM)",
    )


async def test_a_role_held_through_a_role_assignable_group_names_the_group(
    runtime: Runtime,
) -> None:
    assert await _reasons(runtime, "sean.o'brien") == (
        "Helpdesk Administrator through group Helpdesk Admins (active)",
    )


async def test_an_eligibility_through_a_group_counts_too(runtime: Runtime) -> None:
    directory = _sandbox(runtime).tenant("contoso").directory
    helpdesk = next(g for g in directory.groups.values() if g.display_name == "Helpdesk Admins")
    eligibility = directory.role_eligibilities[0]
    directory.role_eligibilities.append(
        RoleEligibility(
            id="5b1f0a34-8f8c-4d6b-9b8e-6f6a3c1d2e4f",
            principal_id=helpdesk.id,
            role_template_id="7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
            start=eligibility.start,
        )
    )
    assert await _reasons(runtime, "sean.o'brien") == (
        "Helpdesk Administrator through group Helpdesk Admins (active)",
        "Privileged Authentication Administrator through group Helpdesk Admins "
        "(eligible through PIM)",
    )


async def test_an_ordinary_user_is_not_protected(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    protection = await protection_of(
        ctx, _user_id(runtime, "lynne.robbins"), "lynne.robbins@contoso.com"
    )
    assert not protection
    assert protection.reasons == ()


async def test_the_reads_go_as_one_batch_beside_the_beta_definitions(runtime: Runtime) -> None:
    sandbox = _sandbox(runtime)
    await _reasons(runtime, "adele.vance")  # warms the token
    sandbox.requests.clear()
    user_id = _user_id(runtime, "adele.vance")
    await _reasons(runtime, "adele.vance")
    outer = sorted((r.method, r.path, dict(r.query)) for r in sandbox.requests if not r.batch)
    assert outer == [
        (
            "GET",
            "/beta/roleManagement/directory/roleDefinitions",
            {"$filter": "isPrivileged eq true", "$select": "id,displayName,templateId"},
        ),
        ("POST", "/v1.0/$batch", {}),
    ]
    inner = sorted((r.path, dict(r.query)) for r in sandbox.requests if r.batch)
    by_user = f"principalId eq '{user_id}'"
    assert inner == [
        (
            "/v1.0/roleManagement/directory/roleAssignments",
            {"$filter": by_user, "$select": "id,roleDefinitionId"},
        ),
        (
            "/v1.0/roleManagement/directory/roleEligibilitySchedules",
            {"$filter": by_user, "$select": "id,roleDefinitionId"},
        ),
        (
            f"/v1.0/users/{user_id}/transitiveMemberOf",
            {"$top": "999", "$select": "id,displayName,isAssignableToRole"},
        ),
    ]


async def test_without_the_beta_definitions_the_built_in_list_stands_in(
    runtime: Runtime,
) -> None:
    _sandbox(runtime).inject(
        "contoso",
        Fault("unavailable", count=4, retry_after=0, path="/roleManagement/directory/roleDef"),
    )
    assert await _reasons(runtime, "admin") == ("Global Administrator (active)",)


async def test_unreadable_pim_eligibilities_fail_closed(runtime: Runtime) -> None:
    # Directory.Read.All still reads active assignments; eligibility schedules need a
    # RoleManagement or RoleEligibilitySchedule permission.
    _sandbox(runtime).tenant("contoso").permissions.discard("RoleManagement.Read.Directory")
    assert await _reasons(runtime, "lynne.robbins") == (
        "PIM-eligible roles could not be checked (Authorization_RequestDenied)",
    )


def test_a_tenant_without_entra_id_p2_has_no_eligibilities() -> None:
    refused = Rejected("no P2", status=400, code="AadPremiumLicenseRequired")
    results = {
        "user:active": BatchResult("user:active", 200, {"value": []}),
        "user:eligible": BatchResult("user:eligible", 400, error=refused),
    }
    unreadable: list[str] = []
    assert _holds(results, "user", PRIVILEGED_ROLES, "", unreadable) == []
    assert unreadable == []
