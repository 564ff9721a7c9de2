"""Privileged roles: definitions with `isPrivileged`, group assignments and PIM eligibilities."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox import Sandbox

from .conftest import TokenFor

ROLES = "/v1.0/roleManagement/directory"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
HELPDESK_ADMIN = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
PRIVILEGED_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"


async def _values(graph: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, Any]]:
    response = await graph.get(path, params=params)
    response.raise_for_status()
    values: list[dict[str, Any]] = response.json()["value"]
    return values


async def _id(graph: httpx.AsyncClient, upn: str) -> str:
    return str((await graph.get(f"/v1.0/users/{upn}")).json()["id"])


async def test_is_privileged_is_served_on_beta_and_filters_there(graph: httpx.AsyncClient) -> None:
    beta = "/beta/roleManagement/directory/roleDefinitions"
    privileged = await _values(graph, beta, **{"$filter": "isPrivileged eq true"})
    v1 = await _values(graph, f"{ROLES}/roleDefinitions")

    names = {d["displayName"] for d in privileged}
    assert {"Global Administrator", "Privileged Role Administrator"} <= names
    assert "Exchange Administrator" not in names
    assert all("isPrivileged" not in d for d in v1)


async def test_global_admins_stay_active_direct_assignments(graph: httpx.AsyncClient) -> None:
    assignments = await _values(
        graph, f"{ROLES}/roleAssignments", **{"$filter": f"roleDefinitionId eq '{GLOBAL_ADMIN}'"}
    )

    holders = {a["principalId"] for a in assignments}
    assert holders == {
        await _id(graph, "admin@contoso.com"),
        await _id(graph, "breakglass@contoso.com"),
    }


async def test_group_assignment_expands_to_a_role_assignable_group_with_members(
    graph: httpx.AsyncClient,
) -> None:
    helpdesk = await _values(
        graph,
        f"{ROLES}/roleAssignments",
        **{"$filter": f"roleDefinitionId eq '{HELPDESK_ADMIN}'", "$expand": "principal"},
    )
    allan = await _id(graph, "allan.deyoung@contoso.com")
    (assignment,) = [a for a in helpdesk if a["principalId"] != allan]
    sean = await _id(graph, "sean.o'brien@contoso.com")
    principal = assignment["principal"]
    members = await _values(graph, f"/v1.0/groups/{principal['id']}/members")
    own = await _values(
        graph, f"{ROLES}/roleAssignments", **{"$filter": f"principalId eq '{sean}'"}
    )

    assert principal["@odata.type"] == "#microsoft.graph.group"
    assert (principal["displayName"], principal["isAssignableToRole"]) == ("Helpdesk Admins", True)
    assert [(m["@odata.type"], m["id"]) for m in members] == [("#microsoft.graph.user", sean)]
    assert own == []  # the role reaches sean only through the group


async def test_user_principals_expand_as_typed_users(graph: httpx.AsyncClient) -> None:
    admin = await _id(graph, "admin@contoso.com")

    (assignment,) = await _values(
        graph,
        f"{ROLES}/roleAssignments",
        **{"$filter": f"principalId eq '{admin}'", "$expand": "principal,roleDefinition"},
    )

    assert assignment["principal"]["@odata.type"] == "#microsoft.graph.user"
    assert assignment["principal"]["userPrincipalName"] == "admin@contoso.com"
    assert assignment["roleDefinition"]["displayName"] == "Global Administrator"


async def test_unknown_expand_is_a_bad_request(graph: httpx.AsyncClient) -> None:
    response = await graph.get(f"{ROLES}/roleAssignments", params={"$expand": "appScope"})

    assert response.status_code == 400
    assert "unifiedRoleAssignment" in response.json()["error"]["message"]


async def test_eligibility_schedules_and_instances_list_pim_eligible_users(
    graph: httpx.AsyncClient,
) -> None:
    allan = await _id(graph, "allan.deyoung@contoso.com")
    by_allan = {"$filter": f"principalId eq '{allan}'"}

    (schedule,) = await _values(graph, f"{ROLES}/roleEligibilitySchedules", **by_allan)
    (instance,) = await _values(
        graph,
        f"{ROLES}/roleEligibilityScheduleInstances",
        **by_allan,
        **{"$expand": "roleDefinition"},
    )
    admin = await _id(graph, "admin@contoso.com")
    nobody = await _values(
        graph, f"{ROLES}/roleEligibilitySchedules", **{"$filter": f"principalId eq '{admin}'"}
    )

    assert (schedule["roleDefinitionId"], schedule["memberType"], schedule["status"]) == (
        PRIVILEGED_ROLE_ADMIN,
        "Direct",
        "Provisioned",
    )
    assert schedule["scheduleInfo"]["expiration"]["type"] == "noExpiration"
    assert instance["roleEligibilityScheduleId"] == schedule["id"]
    assert instance["roleDefinition"]["displayName"] == "Privileged Role Administrator"
    assert instance["endDateTime"] is None
    assert nobody == []


async def test_eligibilities_need_a_role_management_or_eligibility_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    permissions = sandbox.tenant("contoso").permissions
    permissions.discard("RoleManagement.Read.Directory")
    refused = await graph.get(f"{ROLES}/roleEligibilityScheduleInstances")
    permissions.add("RoleEligibilitySchedule.Read.Directory")
    graph.headers["Authorization"] = f"Bearer {await token_for('contoso')}"
    allowed = await graph.get(f"{ROLES}/roleEligibilityScheduleInstances")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"
    assert allowed.status_code == 200


async def test_group_members_need_a_group_permission_and_a_known_group(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    unknown = await graph.get("/v1.0/groups/00000000-0000-0000-0000-000000000000/members")
    for permission in (
        "Directory.Read.All",
        "GroupMember.ReadWrite.All",
        "GroupMember.Read.All",
        "Group.ReadWrite.All",
    ):
        sandbox.tenant("contoso").permissions.discard(permission)
    refused = await graph.get("/v1.0/groups/00000000-0000-0000-0000-000000000000/members")

    assert (unknown.status_code, refused.status_code) == (404, 403)


async def test_registration_report_counts_group_assigned_roles_as_admin(
    graph: httpx.AsyncClient,
) -> None:
    sean = await _id(graph, "sean.o'brien@contoso.com")

    report = await graph.get(f"/v1.0/reports/authenticationMethods/userRegistrationDetails/{sean}")

    assert report.json()["isAdmin"] is True


async def test_select_keeps_what_expand_adds(graph: httpx.AsyncClient) -> None:
    admin = await _id(graph, "admin@contoso.com")

    (assignment,) = await _values(
        graph,
        f"{ROLES}/roleAssignments",
        **{
            "$filter": f"principalId eq '{admin}'",
            "$select": "principalId,directoryScopeId",
            "$expand": "roleDefinition",
        },
    )

    assert set(assignment) == {"id", "principalId", "directoryScopeId", "roleDefinition"}
    assert assignment["roleDefinition"]["displayName"] == "Global Administrator"
