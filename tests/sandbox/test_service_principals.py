"""What the app was granted, as Graph serves it: the resources' appRoles, the app's
appRoleAssignments (serviceprincipal-list-approleassignments.md) and who may read them."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

import httpx

from sandbox import Sandbox, SandboxOptions, start_sandbox
from sandbox.tenant import DEFAULT_PERMISSIONS
from tests.sandbox.conftest import TokenFor

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
# Microsoft Graph's app role ids, from the permissions reference ("Application" identifier).
USER_READ_ALL = "df021288-bdef-4463-88db-98f22de89214"
ENABLE_DISABLE = "3011c876-62b7-4ada-afa2-506cbbecc68c"
MANAGE_AS_APP = "dc50a0fb-09a3-484d-be87-e023b12c6440"


async def test_the_resources_publish_their_app_roles_with_microsofts_ids(
    graph: httpx.AsyncClient,
) -> None:
    found = await graph.get(
        f"/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')",
        params={"$select": "id,appId,displayName,appRoles"},
    )
    exchange = await graph.get(f"/v1.0/servicePrincipals(appId='{EXCHANGE_APP_ID}')")

    body = found.json()
    assert found.status_code == 200
    assert set(body) == {"@odata.context", "id", "appId", "displayName", "appRoles"}
    assert body["displayName"] == "Microsoft Graph"
    roles = {role["value"]: role for role in body["appRoles"]}
    assert roles["User.Read.All"]["id"] == USER_READ_ALL
    assert roles["User.EnableDisableAccount.All"]["allowedMemberTypes"] == ["Application"]
    assert roles["User.EnableDisableAccount.All"]["id"] == ENABLE_DISABLE
    exchange_roles = {r["value"]: r["id"] for r in exchange.json()["appRoles"]}
    assert exchange_roles == {"Exchange.ManageAsApp": MANAGE_AS_APP}


async def test_the_apps_assignments_name_the_granted_roles_and_when(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    tenant = sandbox.tenant("contoso")
    when = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    tenant.grant("User.Create", when)

    answer = await graph.get(
        f"/v1.0/servicePrincipals(appId='{tenant.client_id}')/appRoleAssignments"
    )
    graph_sp = (await graph.get(f"/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')")).json()

    items = answer.json()["value"]
    assert answer.status_code == 200
    assert len(items) == len(DEFAULT_PERMISSIONS) + 1
    by_role = {item["appRoleId"]: item for item in items}
    create = by_role["4240f680-4f73-4082-a766-aa916a2dc9b3"]
    assert create["createdDateTime"] == "2026-03-02T10:15:00Z"
    assert create["principalId"] == tenant.service_principal_id
    assert create["principalType"] == "ServicePrincipal"
    assert create["resourceId"] == graph_sp["id"]
    assert create["resourceDisplayName"] == "Microsoft Graph"
    assert by_role[MANAGE_AS_APP]["resourceDisplayName"] == "Office 365 Exchange Online"


async def test_assignments_need_application_read_all(
    sandbox: Sandbox, graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    tenant = sandbox.tenant("contoso")
    tenant.permissions -= {"Application.Read.All", "Directory.Read.All"}
    path = f"/v1.0/servicePrincipals/{tenant.service_principal_id}/appRoleAssignments"

    refused = await graph.get(path)
    tenant.permissions.add("Application.Read.All")
    graph.headers["Authorization"] = f"Bearer {await token_for('contoso')}"
    allowed = await graph.get(path)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"
    assert allowed.status_code == 200


async def test_with_opaque_tokens_the_same_calls_work() -> None:
    async with start_sandbox(SandboxOptions(opaque_tokens=True)) as opaque:
        token = opaque.mint_token("contoso")
        context = ssl.create_default_context(cafile=str(opaque.ca_file))
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=opaque.url, verify=context, headers=headers) as http:
            answer = await http.get("/v1.0/users", params={"$select": "id", "$top": "1"})
            forged = await http.get("/v1.0/users", headers={"Authorization": "Bearer x" + token})

    assert token.count(".") != 2
    assert answer.status_code == 200
    assert forged.status_code == 401
