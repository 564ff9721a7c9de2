"""The reads an offboarding job makes about a leaver, on the sandbox's Contoso."""

from __future__ import annotations

from dataclasses import replace

from bot.process.runtime import Runtime
from commands.queries.leaver import (
    LicenseState,
    Membership,
    Person,
    auth_methods,
    license_states,
    manager_of,
    onedrive_url,
    user_memberships,
)
from tests.commands.contexts import contoso_context
from tests.commands.sandbox_state import contoso_directory, group_named, sandbox_of, user_named

ADELE = "adele.vance@contoso.com"
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"


def _graph_calls(runtime: Runtime) -> list[str]:
    return [r.path for r in sandbox_of(runtime).requests if r.path.startswith("/v1.0")]


async def test_memberships_name_each_group_kind_and_other_owners(runtime: Runtime) -> None:
    adele = user_named(runtime, ADELE)
    before = len(_graph_calls(runtime))

    memberships = await user_memberships(contoso_context(runtime), adele.id)

    by_name = {m.display_name: m for m in memberships}
    sales = group_named(runtime, "Sales and Marketing")
    assert by_name["Sales and Marketing"] == Membership(
        sales.id, "Sales and Marketing", "team", False, False, True, True, 1
    )
    assert by_name["All Company"].kind == "m365"
    assert not by_name["All Company"].is_owner
    assert by_name["Contoso Announcements"].kind == "distribution"
    # Two $batch requests: memberOf with ownedObjects, then the owners of the owned groups.
    batches = [p for p in _graph_calls(runtime)[before:] if p == "/v1.0/$batch"]
    assert len(batches) == 2


async def test_memberships_flag_dynamic_synced_and_mail_enabled_security_groups(
    runtime: Runtime,
) -> None:
    directory = contoso_directory(runtime)
    sean = user_named(runtime, "sean.o'brien@contoso.com")
    finance = group_named(runtime, "SG-Finance")
    directory.groups[finance.id] = replace(
        finance,
        member_ids=finance.member_ids | {sean.id},
        group_types=("DynamicMembership",),
        membership_rule='(user.department -eq "Finance")',
        on_premises_sync=True,
    )

    memberships = await user_memberships(contoso_context(runtime), sean.id)

    by_name = {m.display_name: m for m in memberships}
    assert by_name["IT Helpdesk"].kind == "mail-security"
    assert (by_name["SG-Finance"].dynamic, by_name["SG-Finance"].synced) == (True, True)
    assert by_name["Helpdesk Admins"].kind == "security"


async def test_directory_roles_in_member_of_are_not_memberships(runtime: Runtime) -> None:
    allan = user_named(runtime, "allan.deyoung@contoso.com")
    role_ids = {role.object_id for role in contoso_directory(runtime).roles.values()}
    before = len(_graph_calls(runtime))

    memberships = await user_memberships(contoso_context(runtime), allan.id)

    assert [m.display_name for m in memberships] == ["All Company", "IT Helpdesk"]
    assert not role_ids & {m.id for m in memberships}
    # Owning nothing, Allan costs one round trip: no owners to read.
    assert _graph_calls(runtime)[before:].count("/v1.0/$batch") == 1


async def test_an_owner_who_is_not_a_member_is_listed_as_owner(runtime: Runtime) -> None:
    irvin = user_named(runtime, "irvin.sayers@contoso.com")
    finance = group_named(runtime, "SG-Finance")
    contoso_directory(runtime).groups[finance.id] = replace(
        finance, member_ids=finance.member_ids - {irvin.id}
    )

    memberships = await user_memberships(contoso_context(runtime), irvin.id)

    (owned,) = [m for m in memberships if m.display_name == "SG-Finance"]
    assert (owned.is_member, owned.is_owner, owned.other_owner_count) == (False, True, 0)


async def test_license_states_tell_direct_from_group_assignments(runtime: Runtime) -> None:
    directory = contoso_directory(runtime)
    adele = user_named(runtime, ADELE)
    sales = group_named(runtime, "Sales and Marketing")
    directory.add_user(replace(adele, inherited_licenses=((E3, sales.id),)))

    states = await license_states(contoso_context(runtime), adele.id)

    (e3,) = [s for s in states if s.sku_id == E3]
    assert e3 == LicenseState(
        E3, "SPE_E3", e3.name, direct=True, via_groups=("Sales and Marketing",)
    )
    assert e3.name and e3.name != E3


async def test_a_licence_only_through_a_group_is_not_direct(runtime: Runtime) -> None:
    directory = contoso_directory(runtime)
    adele = user_named(runtime, ADELE)
    sales = group_named(runtime, "Sales and Marketing")
    directory.add_user(replace(adele, sku_ids=(), inherited_licenses=((E3, sales.id),)))

    states = await license_states(contoso_context(runtime), adele.id)

    assert [(s.sku_id, s.direct, s.via_groups) for s in states] == [
        (E3, False, ("Sales and Marketing",))
    ]


async def test_manager_is_read_and_none_when_missing(runtime: Runtime) -> None:
    ctx = contoso_context(runtime)
    adele = user_named(runtime, ADELE)
    manager = contoso_directory(runtime).users[adele.manager_id or ""]
    admin = user_named(runtime, "admin@contoso.com")

    found = await manager_of(ctx, adele.id)
    missing = await manager_of(ctx, admin.id)

    assert found == Person(
        manager.id, manager.display_name, manager.user_principal_name, manager.mail or ""
    )
    assert missing is None


async def test_onedrive_url_is_the_personal_site_or_none(runtime: Runtime) -> None:
    # drive-get.md: Files.Read.All, not in the default consent (no command declares it yet).
    sandbox_of(runtime).tenant("contoso").permissions.add("Files.Read.All")
    ctx = contoso_context(runtime)

    site = await onedrive_url(ctx, user_named(runtime, ADELE).id)
    none = await onedrive_url(ctx, user_named(runtime, "breakglass@contoso.com").id)

    assert site == "https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com"
    assert none is None


async def test_auth_methods_list_the_registered_methods(runtime: Runtime) -> None:
    methods = await auth_methods(contoso_context(runtime), user_named(runtime, ADELE).id)

    assert "microsoftAuthenticatorAuthenticationMethod" in {m.kind for m in methods}
