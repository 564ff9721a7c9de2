"""`/users`, `/users/{id | upn}` and `/manager` against the seeded Contoso and Fabrikam."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from sandbox import Sandbox

from .conftest import TokenFor

DEFAULT_PROPERTIES = {
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
}


def _days_ago(stamp: str) -> float:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (datetime.now(UTC) - moment).total_seconds() / 86400


async def test_user_without_select_has_the_documented_default_properties(
    graph: httpx.AsyncClient,
) -> None:
    body = (await graph.get("/v1.0/users/adele.vance@contoso.com")).json()

    assert set(body) - {"@odata.context"} == DEFAULT_PROPERTIES
    assert body["@odata.context"].endswith("/v1.0/$metadata#users/$entity")


async def test_user_is_found_by_id_or_upn_case_insensitively(graph: httpx.AsyncClient) -> None:
    by_upn = (await graph.get("/v1.0/users/Adele.Vance@CONTOSO.com")).json()
    by_id = (await graph.get(f"/v1.0/users/{by_upn['id'].upper()}")).json()

    assert by_upn["displayName"] == by_id["displayName"] == "Adele Vance"


async def test_select_returns_exactly_the_selected_properties(graph: httpx.AsyncClient) -> None:
    body = (
        await graph.get(
            "/v1.0/users/alex.wilber@contoso.com",
            params={"$select": "accountEnabled,assignedLicenses,onPremisesSyncEnabled"},
        )
    ).json()

    assert body["@odata.context"].endswith(
        "#users(accountEnabled,assignedLicenses,onPremisesSyncEnabled)/$entity"
    )
    assert body["accountEnabled"] is False
    assert body["assignedLicenses"][0]["skuId"] == "05e9a617-0261-4cee-bb44-138d3ef5d965"
    assert body["onPremisesSyncEnabled"] is None


async def test_unknown_selected_property_is_400(graph: httpx.AsyncClient) -> None:
    response = await graph.get("/v1.0/users", params={"$select": "displayName,shoeSize"})

    assert response.status_code == 400
    assert "shoeSize" in response.json()["error"]["message"]


async def test_missing_user_is_404_request_resource_not_found(graph: httpx.AsyncClient) -> None:
    response = await graph.get("/v1.0/users/nobody@contoso.com")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"
    assert response.json()["error"]["message"] == (
        "Resource 'nobody@contoso.com' does not exist or one of its queried "
        "reference-property objects are not present."
    )


async def test_sign_in_activity_only_when_selected(graph: httpx.AsyncClient) -> None:
    plain = (await graph.get("/v1.0/users/megan.bowen@contoso.com")).json()
    selected = (
        await graph.get("/v1.0/users/megan.bowen@contoso.com", params={"$select": "signInActivity"})
    ).json()

    assert "signInActivity" not in plain
    activity = selected["signInActivity"]
    assert round(_days_ago(activity["lastSignInDateTime"])) == 120
    assert activity["lastNonInteractiveSignInDateTime"] == "0001-01-01T00:00:00Z"
    assert activity["lastNonInteractiveSignInRequestId"] == ""


async def test_never_signed_in_user_has_null_sign_in_activity(graph: httpx.AsyncClient) -> None:
    body = (
        await graph.get(
            "/v1.0/users/diego.siciliani@contoso.com",
            params={"$select": "signInActivity,createdDateTime"},
        )
    ).json()

    assert body["signInActivity"] is None
    assert round(_days_ago(body["createdDateTime"])) == 60


async def test_sign_in_activity_needs_audit_log_permission(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    sandbox.tenant("contoso").permissions.discard("AuditLog.Read.All")

    response = await graph.get("/v1.0/users", params={"$select": "displayName,signInActivity"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_RequestDenied"


async def test_sign_in_activity_without_p1_answers_like_graph(
    sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = {"Authorization": f"Bearer {await token_for('fabrikam')}"}

    selected = await sandbox_http.get(
        "/v1.0/users", params={"$select": "signInActivity"}, headers=headers
    )
    plain = await sandbox_http.get("/v1.0/users", headers=headers)

    assert selected.status_code == 403
    assert selected.json()["error"]["code"] == (
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    )
    assert selected.json()["error"]["message"] == (
        "Neither tenant is B2C or tenant doesn't have premium license"
    )
    assert len(plain.json()["value"]) == 6


async def test_guest_is_found_by_its_encoded_ext_upn(graph: httpx.AsyncClient) -> None:
    upn = "jordan.miller_northwind.com#EXT#@contoso.onmicrosoft.com"

    response = await graph.get(
        f"/v1.0/users/{quote(upn, safe='@')}", params={"$select": "userType,mail"}
    )

    assert response.json()["userType"] == "Guest"
    assert response.json()["mail"] == "jordan.miller@northwind.com"


async def test_an_address_encoded_twice_is_not_found_directly_or_in_a_batch(
    graph: httpx.AsyncClient,
) -> None:
    for upn in (
        "jordan.miller_northwind.com#EXT#@contoso.onmicrosoft.com",
        "sean.o'brien@contoso.com",
    ):
        encoded = quote(upn, safe="@")
        twice = encoded.replace("%", "%25")
        found = await graph.get(f"/v1.0/users/{encoded}", params={"$select": "id"})
        lost = await graph.get(f"/v1.0/users/{twice}", params={"$select": "id"})
        batch = await graph.post(
            "/v1.0/$batch",
            json={
                "requests": [
                    {"id": "once", "method": "GET", "url": f"/users/{encoded}?$select=id"},
                    {"id": "twice", "method": "GET", "url": f"/users/{twice}?$select=id"},
                ]
            },
        )
        statuses = {a["id"]: a["status"] for a in batch.json()["responses"]}
        assert (found.status_code, lost.status_code, statuses) == (
            200,
            404,
            {"once": 200, "twice": 404},
        ), upn
        assert lost.json()["error"]["code"] == "Request_ResourceNotFound"


async def test_manager_is_a_directory_object_and_404_when_none(graph: httpx.AsyncClient) -> None:
    manager = (await graph.get("/v1.0/users/adele.vance@contoso.com/manager")).json()
    none = await graph.get("/v1.0/users/patti.fernandez@contoso.com/manager")

    assert manager["@odata.type"] == "#microsoft.graph.user"
    assert manager["displayName"] == "Miriam Graham"
    assert none.status_code == 404
    assert none.json()["error"]["code"] == "Request_ResourceNotFound"


async def test_beta_serves_users_too(graph: httpx.AsyncClient) -> None:
    body = (await graph.get("/beta/users/lee.gu@contoso.com?$select=onPremisesSyncEnabled")).json()

    assert body["@odata.context"].split("/")[3] == "beta"
    assert body["onPremisesSyncEnabled"] is True
