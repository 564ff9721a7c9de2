"""Memberships, authentication methods, MFA state, reports, licences, roles and domains."""

from __future__ import annotations

import httpx

from sandbox import Sandbox

from .conftest import TokenFor

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
DOCUMENTED_METHOD_TYPES = {
    "#microsoft.graph.passwordAuthenticationMethod",
    "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
    "#microsoft.graph.phoneAuthenticationMethod",
    "#microsoft.graph.fido2AuthenticationMethod",
    "#microsoft.graph.softwareOathAuthenticationMethod",
    "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod",
    "#microsoft.graph.emailAuthenticationMethod",
    "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
}


async def test_member_of_lists_every_group_kind_and_directory_roles(
    graph: httpx.AsyncClient,
) -> None:
    admin = (await graph.get("/v1.0/users/admin@contoso.com/memberOf")).json()["value"]
    adele = (await graph.get("/v1.0/users/adele.vance@contoso.com/memberOf")).json()["value"]

    kinds = {
        (g["displayName"], g["mailEnabled"], g["securityEnabled"], tuple(g["groupTypes"]))
        for g in adele
    }
    assert kinds == {
        ("All Company", True, False, ("Unified",)),
        ("Sales and Marketing", True, False, ("Unified",)),
        ("Contoso Announcements", True, False, ()),
        ("Sales Leads", True, True, ()),
    }
    roles = [o for o in admin if o["@odata.type"] == "#microsoft.graph.directoryRole"]
    assert [(r["displayName"], r["roleTemplateId"]) for r in roles] == [
        ("Global Administrator", GLOBAL_ADMIN)
    ]
    helpdesk = next(o for o in admin if o["displayName"] == "IT Helpdesk")
    assert (helpdesk["mailEnabled"], helpdesk["securityEnabled"]) == (True, True)


async def test_member_of_needs_directory_read_all(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.discard("Directory.Read.All")

    response = await graph.get("/v1.0/users/adele.vance@contoso.com/memberOf")

    assert response.status_code == 403


async def test_authentication_methods_use_the_documented_types(graph: httpx.AsyncClient) -> None:
    seen: set[str] = set()
    for user in (
        "adele.vance",
        "lynne.robbins",
        "breakglass",
        "grady.archie",
        "patti.fernandez",
        "johanna.lorenz",
        "diego.siciliani",
    ):
        response = await graph.get(f"/v1.0/users/{user}@contoso.com/authentication/methods")
        seen |= {method["@odata.type"] for method in response.json()["value"]}
    lynne = (
        await graph.get("/v1.0/users/lynne.robbins@contoso.com/authentication/methods")
    ).json()["value"]

    assert seen == DOCUMENTED_METHOD_TYPES
    assert [m["@odata.type"] for m in lynne] == ["#microsoft.graph.passwordAuthenticationMethod"]


async def test_per_user_mfa_state_is_beta_only(graph: httpx.AsyncClient) -> None:
    states = {}
    for user in ("isaiah.langer", "joni.sherman", "adele.vance"):
        response = await graph.get(f"/beta/users/{user}@contoso.com/authentication/requirements")
        states[user] = response.json()["perUserMfaState"]
    v1 = await graph.get("/v1.0/users/adele.vance@contoso.com/authentication/requirements")

    assert states == {
        "isaiah.langer": "enforced",
        "joni.sherman": "enabled",
        "adele.vance": "disabled",
    }
    assert v1.status_code == 400


async def test_registration_details_filter_and_single_row(graph: httpx.AsyncClient) -> None:
    report = "/v1.0/reports/authenticationMethods/userRegistrationDetails"

    unregistered = await graph.get(report, params={"$filter": "isMfaRegistered eq false"})
    adele_id = (await graph.get("/v1.0/users/adele.vance@contoso.com")).json()["id"]
    adele = (await graph.get(f"{report}/{adele_id}")).json()

    names = {row["userPrincipalName"] for row in unregistered.json()["value"]}
    assert "lynne.robbins@contoso.com" in names
    assert "adele.vance@contoso.com" not in names
    assert adele["isMfaRegistered"] is True
    assert adele["methodsRegistered"] == ["microsoftAuthenticatorPush", "mobilePhone"]


async def test_registration_details_without_p1_answer_403(
    sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    response = await sandbox_http.get(
        "/v1.0/reports/authenticationMethods/userRegistrationDetails",
        headers={"Authorization": f"Bearer {await token_for('fabrikam')}"},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == (
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    )


async def test_subscribed_skus_use_real_ids_and_consistent_counts(
    graph: httpx.AsyncClient,
) -> None:
    skus = {
        s["skuPartNumber"]: s for s in (await graph.get("/v1.0/subscribedSkus")).json()["value"]
    }
    users = (await graph.get("/v1.0/users", params={"$select": "assignedLicenses"})).json()["value"]

    assert skus["SPE_E3"]["skuId"] == "05e9a617-0261-4cee-bb44-138d3ef5d965"
    assert skus["ENTERPRISEPACK"]["skuId"] == "6fd2c87f-b296-42f0-b197-1e91e994b900"
    assert skus["O365_BUSINESS_PREMIUM"]["skuId"] == "f245ecc8-75af-4f8e-b61f-27d8114de5f3"
    assert skus["EXCHANGESTANDARD"]["skuId"] == "4b9405b0-7788-4568-add1-99614e613b69"
    assert skus["AAD_PREMIUM"]["skuId"] == "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
    for sku in skus.values():
        assigned = sum(
            1 for u in users for lic in u["assignedLicenses"] if lic["skuId"] == sku["skuId"]
        )
        assert sku["consumedUnits"] == assigned
        assert sku["consumedUnits"] <= sku["prepaidUnits"]["enabled"]
    e3 = skus["SPE_E3"]
    assert e3["prepaidUnits"]["enabled"] - e3["consumedUnits"] == 1


async def test_role_assignments_filter_by_principal_and_expand_definition(
    graph: httpx.AsyncClient,
) -> None:
    admin_id = (await graph.get("/v1.0/users/admin@contoso.com")).json()["id"]

    response = await graph.get(
        "/v1.0/roleManagement/directory/roleAssignments",
        params={"$filter": f"principalId eq '{admin_id}'", "$expand": "roleDefinition"},
    )

    (assignment,) = response.json()["value"]
    assert assignment["roleDefinitionId"] == GLOBAL_ADMIN
    assert assignment["roleDefinition"]["displayName"] == "Global Administrator"
    assert assignment["directoryScopeId"] == "/"


async def test_domains_and_organization_show_verification_and_p1(
    graph: httpx.AsyncClient, sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    domains = (await graph.get("/v1.0/domains")).json()["value"]
    contoso = (await graph.get("/v1.0/organization")).json()["value"][0]
    fabrikam = (
        await sandbox_http.get(
            "/v1.0/organization",
            headers={"Authorization": f"Bearer {await token_for('fabrikam')}"},
        )
    ).json()["value"][0]

    assert {(d["id"], d["isDefault"], d["isInitial"]) for d in domains} == {
        ("contoso.com", True, False),
        ("contoso.onmicrosoft.com", False, True),
    }

    def premium(organization: dict[str, list[dict[str, str]]]) -> bool:
        return any(p["service"] == "AADPremiumService" for p in organization["assignedPlans"])

    assert premium(contoso) is True
    assert premium(fabrikam) is False
