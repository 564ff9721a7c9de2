"""Security defaults and Conditional Access policies as the digests read them."""

from __future__ import annotations

import httpx

from sandbox import Sandbox

from .conftest import TokenFor

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
POLICIES = "/v1.0/identity/conditionalAccess/policies"


async def _fabrikam(sandbox_http: httpx.AsyncClient, token_for: TokenFor) -> httpx.AsyncClient:
    sandbox_http.headers["Authorization"] = f"Bearer {await token_for('fabrikam')}"
    return sandbox_http


async def test_security_defaults_are_off_in_contoso_and_on_in_fabrikam(
    graph: httpx.AsyncClient, token_for: TokenFor
) -> None:
    contoso = (await graph.get("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")).json()
    fabrikam = await _fabrikam(graph, token_for)
    response = await fabrikam.get("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")

    assert contoso["isEnabled"] is False
    assert contoso["id"] == "00000000-0000-0000-0000-000000000005"
    assert response.json()["isEnabled"] is True


async def test_policies_need_policy_read_all(sandbox: Sandbox, graph: httpx.AsyncClient) -> None:
    sandbox.tenant("contoso").permissions.discard("Policy.Read.All")

    defaults = await graph.get("/v1.0/policies/identitySecurityDefaultsEnforcementPolicy")
    policies = await graph.get(POLICIES)

    assert defaults.status_code == policies.status_code == 403
    assert policies.json()["error"]["code"] == "Authorization_RequestDenied"


async def test_conditional_access_without_p1_is_refused(
    sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    fabrikam = await _fabrikam(sandbox_http, token_for)

    response = await fabrikam.get(POLICIES)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == (
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    )


async def test_contoso_policies_carry_states_targets_and_grant_controls(
    graph: httpx.AsyncClient,
) -> None:
    body = (await graph.get(POLICIES)).json()
    by_name = {p["displayName"].split(":")[0]: p for p in body["value"]}
    breakglass = (await graph.get("/v1.0/users/breakglass@contoso.com")).json()["id"]

    assert len(by_name) == 10
    assert {p["state"] for p in body["value"]} == {
        "enabled",
        "disabled",
        "enabledForReportingButNotEnforced",
    }
    assert by_name["CA001"]["conditions"]["users"]["includeRoles"] == [GLOBAL_ADMINISTRATOR]
    assert by_name["CA001"]["conditions"]["users"]["excludeUsers"] == [breakglass]
    assert by_name["CA003"]["conditions"]["applications"]["includeApplications"] == ["Office365"]
    assert by_name["CA004"]["grantControls"]["builtInControls"] == ["mfa", "compliantDevice"]
    assert by_name["CA005"]["conditions"]["locations"] == {
        "includeLocations": ["All"],
        "excludeLocations": ["AllTrusted"],
    }
    assert by_name["CA006"]["conditions"]["platforms"]["includePlatforms"] == ["android", "iOS"]
    strength = by_name["CA007"]["grantControls"]["authenticationStrength"]
    assert strength["displayName"] == "Phishing-resistant MFA"
    assert by_name["CA009"]["conditions"]["users"]["includeUsers"] == ["GuestsOrExternalUsers"]


async def test_policies_page_and_filter(graph: httpx.AsyncClient) -> None:
    first = (await graph.get(POLICIES, params={"$top": "4"})).json()
    second = (await graph.get(first["@odata.nextLink"])).json()
    enabled = (await graph.get(POLICIES, params={"$filter": "state eq 'enabled'"})).json()

    assert len(first["value"]) == 4
    assert len(second["value"]) == 4
    assert {p["state"] for p in enabled["value"]} == {"enabled"}
    assert len(enabled["value"]) == 8


async def test_a_nested_group_is_a_member_of_the_targeted_group(graph: httpx.AsyncClient) -> None:
    irvin = (await graph.get("/v1.0/users/irvin.sayers@contoso.com/transitiveMemberOf")).json()

    assert {"SG-Finance", "SG-MFA-Required"} <= {g["displayName"] for g in irvin["value"]}
