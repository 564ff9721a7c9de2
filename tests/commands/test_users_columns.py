"""/users columns read beside the listing: methods, per-user MFA state, roles, last AD sync."""

from __future__ import annotations

import csv
import io
from datetime import UTC

import openpyxl
import pytest

import commands.users
from bot.process.runtime import Runtime
from cards.reply import Reply
from integrations.graph import MAX_BATCH
from tests.commands.replies import column, notices, tables
from tests.commands.sandbox_state import group_named, sandbox_of, user_named
from tests.plugins.runtime import Ask

ROLE_READERS = {
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
}
GROUP_READERS = {
    "GroupMember.Read.All",
    "Group.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
}
REQUIREMENTS = "/authentication/requirements"
NEW_COLUMNS = ["methods", "mfastate", "roles", "lastsync"]


def by_name(reply: Reply, name: str) -> dict[str, str]:
    """One column of the reply's table, keyed by the user's display name."""
    table = tables(reply)[0]
    return dict(zip(column(table, "name"), column(table, name), strict=True))


def lee_gus_sync(runtime: Runtime) -> str:
    """What Graph gives as Lee Gu's onPremisesLastSyncDateTime (the sandbox: his creation)."""
    created = user_named(runtime, "lee.gu@contoso.com").created
    return f"{created.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


async def test_methods_are_the_registration_reports_names_with_p1(ask: Ask) -> None:
    methods = by_name(await ask("/users --columns name,methods"), "methods")
    assert methods["Patti Fernandez"] == (
        "microsoftAuthenticatorPush, windowsHelloForBusiness, passKeyDeviceBound"
    )
    assert methods["MOD Administrator"] == "microsoftAuthenticatorPush, mobilePhone"
    assert methods["Lynne Robbins"] == "none"


async def test_without_p1_methods_are_each_users_method_types(ask: Ask) -> None:
    methods = by_name(await ask("/users --tenant fabrikam --columns name,methods"), "methods")
    assert methods["Fabrikam Admin"] == "microsoftAuthenticator, phone"
    assert methods["Carlos Slattery"] == "phone"
    assert methods["Ben Walters"] == "none"  # only a password, which is not listed


async def test_mfastate_is_each_users_per_user_mfa_state(ask: Ask) -> None:
    states = by_name(await ask("/users --columns name,mfastate"), "mfastate")
    assert states["Isaiah Langer"] == "enforced"
    assert states["Joni Sherman"] == "enabled"
    assert states["Adele Vance"] == "disabled"


async def test_mfa_states_are_read_only_when_asked_for(ask: Ask, runtime: Runtime) -> None:
    sandbox_of(runtime).requests.clear()
    await ask("/users")
    assert not [r for r in sandbox_of(runtime).requests if REQUIREMENTS in r.path]


async def test_per_user_mfa_reads_go_twenty_to_a_beta_batch(ask: Ask, runtime: Runtime) -> None:
    sandbox = sandbox_of(runtime)
    sandbox.requests.clear()
    reply = await ask("/users --columns name,mfastate")
    inner = [r for r in sandbox.requests if REQUIREMENTS in r.path]
    batches = [r for r in sandbox.requests if r.path == "/beta/$batch"]
    assert len(inner) == tables(reply)[0].total == 24
    assert len(batches) == 2  # 20, then the other 4


async def test_roles_come_from_tenant_wide_reads(ask: Ask, runtime: Runtime) -> None:
    sandbox_of(runtime).requests.clear()
    roles = by_name(await ask("/users --columns name,roles"), "roles")
    assert roles["MOD Administrator"] == "Global Administrator"
    assert roles["Allan Deyoung"] == "Helpdesk Administrator, User Administrator"
    assert roles["Nestor Wilke"] == "Global Reader"
    assert roles["Sean O'Brien"] == "Helpdesk Administrator (via Helpdesk Admins)"
    assert roles["Adele Vance"] == "none"
    helpdesk = group_named(runtime, "Helpdesk Admins")
    reads = [
        (r.path, r.query.get("$expand") or r.query.get("$filter"))
        for r in sandbox_of(runtime).requests
        if "role" in r.path.lower() or "/groups" in r.path
    ]
    assert reads == [
        ("/v1.0/roleManagement/directory/roleAssignments", "roleDefinition"),
        ("/v1.0/groups", "isAssignableToRole eq true"),
        (f"/v1.0/groups/{helpdesk.id}/members", None),
    ]


async def test_without_group_permission_roles_through_groups_are_named_missing(
    ask: Ask, runtime: Runtime
) -> None:
    sandbox_of(runtime).tenant("contoso").permissions -= GROUP_READERS
    reply = await ask("/users --columns name,roles")
    roles = by_name(reply, "roles")
    assert roles["MOD Administrator"] == "Global Administrator"
    assert roles["Sean O'Brien"] == "none"
    assert (
        "Roles: those held through role-assignable groups are missing (needs GroupMember.Read.All)."
    ) in notices(reply)


async def test_lastsync_is_the_ad_sync_time_or_cloud_only(ask: Ask, runtime: Runtime) -> None:
    reply = await ask("/users --columns name,lastsync")
    synced = by_name(reply, "lastsync")
    assert synced["Adele Vance"] == "cloud-only"
    assert synced["Lee Gu"].endswith(" ago")
    [file] = (await ask("/users --synced --columns name,lastsync --export csv")).files
    rows = list(csv.DictReader(io.StringIO(file.content.decode())))
    assert [(row["name"], row["lastsync"]) for row in rows] == [("Lee Gu", lee_gus_sync(runtime))]


async def test_csv_export_always_holds_the_new_columns(ask: Ask, runtime: Runtime) -> None:
    [file] = (await ask("/users --export csv --columns name,upn")).files
    rows = list(csv.reader(io.StringIO(file.content.decode())))
    assert rows[0] == ["name", "upn", *NEW_COLUMNS]
    cells = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert cells["Isaiah Langer"]["mfastate"] == "enforced"
    assert cells["Isaiah Langer"]["methods"] == "mobilePhone"
    assert cells["MOD Administrator"]["roles"] == "Global Administrator"
    assert cells["Lee Gu"]["lastsync"] == lee_gus_sync(runtime)
    assert cells["Adele Vance"]["lastsync"] == "cloud-only"


async def test_a_column_asked_for_is_not_exported_twice(ask: Ask) -> None:
    [file] = (await ask("/users --export csv --columns roles,name")).files
    header = next(csv.reader(io.StringIO(file.content.decode())))
    assert header == ["roles", "name", "methods", "mfastate", "lastsync"]


async def test_xlsx_export_holds_the_new_columns_with_iso_times(ask: Ask, runtime: Runtime) -> None:
    [file] = (await ask("/users --export xlsx --columns name,created")).files
    sheet = openpyxl.load_workbook(io.BytesIO(file.content))["Users"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["name", "created", *NEW_COLUMNS]
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)
    }
    assert rows["Lee Gu"]["lastsync"] == lee_gus_sync(runtime)
    assert rows["Joni Sherman"]["mfastate"] == "enabled"
    assert rows["Break Glass"]["roles"] == "Global Administrator"


async def test_without_role_permission_the_roles_cells_say_so(ask: Ask, runtime: Runtime) -> None:
    sandbox_of(runtime).tenant("contoso").permissions -= ROLE_READERS
    reply = await ask("/users --columns name,roles,mfa")
    assert not reply.failed
    assert set(by_name(reply, "roles").values()) == {"needs RoleManagement.Read.Directory"}
    assert by_name(reply, "mfa")["Adele Vance"] == "registered"
    assert tables(reply)[0].total == 24


async def test_without_policy_permission_mfastate_says_so_and_stops_asking(
    ask: Ask, runtime: Runtime
) -> None:
    sandbox = sandbox_of(runtime)
    sandbox.tenant("contoso").permissions -= {
        "Policy.Read.All",
        "Policy.ReadWrite.AuthenticationMethod",
    }
    sandbox.requests.clear()
    reply = await ask("/users --export csv --columns name,mfastate")
    assert not reply.failed
    assert set(by_name(reply, "mfastate").values()) == {"needs Policy.Read.All"}
    assert by_name(reply, "name").keys() >= {"Adele Vance", "Lee Gu"}
    asked = [r for r in sandbox.requests if REQUIREMENTS in r.path]
    assert 1 <= len(asked) <= MAX_BATCH  # once refused, the other batches are not sent
    rows = list(csv.DictReader(io.StringIO(reply.files[0].content.decode())))
    assert {row["mfastate"] for row in rows} == {"needs Policy.Read.All"}


async def test_without_methods_permission_fabrikams_methods_say_so(
    ask: Ask, runtime: Runtime
) -> None:
    sandbox_of(runtime).tenant("fabrikam").permissions -= {
        "UserAuthenticationMethod.Read.All",
        "UserAuthenticationMethod.ReadWrite.All",
    }
    reply = await ask("/users --tenant fabrikam --columns name,methods,mfa")
    assert not reply.failed
    assert set(by_name(reply, "methods").values()) == {"needs UserAuthenticationMethod.Read.All"}
    assert set(by_name(reply, "mfa").values()) == {"needs UserAuthenticationMethod.Read.All"}
    assert len(tables(reply)[0].rows) == 6


async def test_data_holds_every_user_under_graphs_names(
    ask: Ask, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commands.users, "SHOWN_ROWS", 5)
    reply = await ask("/users --columns name,methods,mfastate,roles,lastactive")
    assert len(tables(reply)[0].rows) == 5
    assert isinstance(reply.data, list)
    assert len(reply.data) == 24
    users = {user["userPrincipalName"]: user for user in reply.data}
    isaiah = users["isaiah.langer@contoso.com"]
    assert isaiah["accountEnabled"] is True
    assert isaiah["userType"] == "Member"
    assert isaiah["perUserMfaState"] == "enforced"
    assert isaiah["methodsRegistered"] == ["mobilePhone"]
    assert isaiah["isMfaRegistered"] is True
    assert isaiah["directoryRoles"] == []
    assert isaiah["onPremisesSyncEnabled"] is None
    assert isaiah["onPremisesLastSyncDateTime"] is None
    assert isaiah["signInActivity"]["lastSignInDateTime"].endswith("Z")
    assert isaiah["unavailable"] == {}
    lee = users["lee.gu@contoso.com"]
    assert (lee["onPremisesSyncEnabled"], lee["onPremisesLastSyncDateTime"]) == (
        True,
        lee_gus_sync(runtime),
    )
    assert users["admin@contoso.com"]["directoryRoles"] == ["Global Administrator"]
    assert users["alex.wilber@contoso.com"]["accountEnabled"] is False
    assert users["adele.vance@contoso.com"]["licenseNames"] == ["Microsoft 365 E3"]


async def test_data_names_what_was_not_read_and_why(ask: Ask) -> None:
    reply = await ask("/users --tenant fabrikam --columns name")
    assert isinstance(reply.data, list)
    ben = next(u for u in reply.data if u["displayName"] == "Ben Walters")
    assert ben["signInActivity"] is None
    assert ben["perUserMfaState"] is None
    assert ben["unavailable"] == {
        "signInActivity": "not read: add --columns lastactive or --export",
        "isMfaRegistered": "not read: add --columns methods or --export",
        "methodsRegistered": "not read: add --columns methods or --export",
        "perUserMfaState": "not read: add --columns mfastate or --export",
        "directoryRoles": "not read: add --columns roles or --export",
    }
    reply = await ask("/users --tenant fabrikam --columns name,lastactive")
    assert isinstance(reply.data, list)
    assert reply.data[0]["unavailable"]["signInActivity"] == "needs Microsoft Entra ID P1"


async def test_mfa_filter_says_whom_it_could_not_judge(ask: Ask, runtime: Runtime) -> None:
    sandbox_of(runtime).tenant("fabrikam").permissions -= {
        "UserAuthenticationMethod.Read.All",
        "UserAuthenticationMethod.ReadWrite.All",
    }
    reply = await ask("/users --tenant fabrikam --mfa unregistered")
    assert tables(reply)[0].rows == ()
    assert (
        "--mfa left out users whose methods could not be read "
        "(needs UserAuthenticationMethod.Read.All)."
    ) in notices(reply)
