"""Reads against the sandbox over HTTPS: $select, paging, OData escaping, mapped errors."""

from __future__ import annotations

import uuid

import httpx
import pytest

from core.errors import Forbidden, LicenseRequired, Rejected, RemoteNotFound, Unavailable
from integrations.graph import CloudEndpoints, GraphClient, eq, startswith
from integrations.outbound import create_http_client
from sandbox import Fault, Sandbox

from .conftest import FAST_RETRY, ClientFor, secret_credentials
from .test_tokens import closed_port

ADELE = "/users/adele.vance@contoso.com"


async def test_get_sends_select_and_a_client_request_id(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    user = await contoso.get(ADELE, select=["id", "displayName", "accountEnabled"])
    assert user["displayName"] == "Adele Vance" and "mail" not in user
    (recorded,) = [r for r in sandbox.requests if r.path == f"/v1.0{ADELE}"]
    assert recorded.query["$select"] == "id,displayName,accountEnabled"
    assert uuid.UUID(recorded.headers["client-request-id"])


async def test_pages_follow_next_links_until_the_last_page(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    users = [u async for u in contoso.pages("/users", select=["id"], params={"$top": "4"})]
    page_requests = [r for r in sandbox.requests if r.path == "/v1.0/users"]
    assert len(users) == len({u["id"] for u in users}) > 12
    assert len(page_requests) == -(-len(users) // 4)
    assert all(r.query["$select"] == "id" for r in page_requests)


async def test_filter_values_with_quotes_are_escaped(contoso: GraphClient) -> None:
    by_surname = await contoso.get(
        "/users", select=["userPrincipalName"], params={"$filter": str(eq("surname", "O'Brien"))}
    )
    by_prefix = await contoso.get(
        "/users",
        select=["userPrincipalName"],
        params={"$filter": str(startswith("displayName", "Sean O'B"))},
    )
    for page in (by_surname, by_prefix):
        assert [u["userPrincipalName"] for u in page["value"]] == ["sean.o'brien@contoso.com"]


async def test_beta_calls_use_the_beta_version(contoso: GraphClient) -> None:
    state = await contoso.get(f"{ADELE}/authentication/requirements", select=(), version="beta")
    assert "perUserMfaState" in state


async def test_missing_user_is_remote_not_found(contoso: GraphClient) -> None:
    with pytest.raises(RemoteNotFound) as failure:
        await contoso.get("/users/nobody@contoso.com", select=["id"])
    assert failure.value.request_id and failure.value.client_request_id


async def test_missing_permission_is_forbidden_naming_it(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.tenant("contoso").permissions.discard("Directory.Read.All")
    with pytest.raises(Forbidden) as failure:
        await contoso.get(f"{ADELE}/memberOf", select=["id", "displayName"])
    assert failure.value.permission == "Directory.Read.All"
    assert "Directory.Read.All" in failure.value.message


async def test_sign_in_activity_without_audit_log_permission_names_audit_log(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    sandbox.tenant("contoso").permissions.discard("AuditLog.Read.All")
    with pytest.raises(Forbidden) as failure:
        await contoso.get(ADELE, select=["id", "signInActivity"])
    assert failure.value.permission == "AuditLog.Read.All"


async def test_sign_in_activity_without_entra_p1_is_licence_required(
    client_for: ClientFor,
) -> None:
    fabrikam = client_for("fabrikam")
    with pytest.raises(LicenseRequired) as failure:
        await fabrikam.get("/users", select=["id", "signInActivity"])
    assert failure.value.code == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


async def test_bad_query_is_rejected_with_the_graph_code(contoso: GraphClient) -> None:
    with pytest.raises(Rejected) as failure:
        await contoso.get(ADELE, select=["noSuchProperty"])
    assert type(failure.value) is Rejected and failure.value.status == 400
    assert failure.value.code in failure.value.message


async def test_unreachable_graph_is_unavailable_naming_the_host(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    graph = f"https://127.0.0.1:{closed_port()}"
    cloud = CloudEndpoints(sandbox.url, graph, graph_resource=sandbox.url)
    client = GraphClient(
        http,
        secret_credentials(sandbox, "contoso"),
        cloud,
        ca_bundle=sandbox.ca_file,
        retry=FAST_RETRY,
    )
    with pytest.raises(Unavailable) as failure:
        await client.get(ADELE, select=["id"])
    await client.aclose()
    assert graph.removeprefix("https://") in failure.value.message
    assert "could not be reached" in failure.value.message


async def test_graph_that_does_not_answer_in_time_is_unavailable_naming_the_host(
    client_for: ClientFor, sandbox: Sandbox
) -> None:
    sandbox.inject("contoso", Fault(kind="timeout", count=3, delay=5.0, path="/users/adele"))
    async with create_http_client(sandbox.ca_file, timeout=0.3) as impatient:
        client = client_for("contoso", http=impatient)
        await client.tokens.token()
        with pytest.raises(Unavailable) as failure:
            await client.get(ADELE, select=["id"])
    assert sandbox.url.removeprefix("https://") in failure.value.message
    assert "did not answer in time" in failure.value.message


async def test_a_timed_out_read_is_tried_again(client_for: ClientFor, sandbox: Sandbox) -> None:
    sandbox.inject("contoso", Fault(kind="timeout", count=1, delay=5.0, path="/users/adele"))
    async with create_http_client(sandbox.ca_file, timeout=0.3) as impatient:
        client = client_for("contoso", http=impatient)
        await client.tokens.token()
        user = await client.get(ADELE, select=["displayName"])
    assert user["displayName"] == "Adele Vance"


async def test_next_links_to_another_host_are_not_followed(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    # The sandbox's certificate also names localhost, but its next links name 127.0.0.1:
    # seen from a client configured for localhost, they point elsewhere.
    graph = sandbox.url.replace("127.0.0.1", "localhost")
    cloud = CloudEndpoints(sandbox.url, graph, graph_resource=sandbox.url)
    client = GraphClient(
        http, secret_credentials(sandbox, "contoso"), cloud, ca_bundle=sandbox.ca_file
    )
    with pytest.raises(Unavailable, match="another host"):
        async for _ in client.pages("/users", select=["id"], params={"$top": "2"}):
            pass
    await client.aclose()
    assert len([r for r in sandbox.requests if r.path == "/v1.0/users"]) == 1


async def test_request_maps_a_refused_write_and_does_not_repeat_it(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    # Lee Gu is synced from on-premises AD: Graph refuses to block him in the cloud.
    path = "/users/lee.gu@contoso.com"
    with pytest.raises(Rejected) as failure:
        await contoso.request("PATCH", path, json={"accountEnabled": False})
    assert failure.value.status == 400
    assert [r.method for r in sandbox.requests if r.path == f"/v1.0{path}"] == ["PATCH"]


async def test_request_returns_the_json_answer(contoso: GraphClient) -> None:
    user = await contoso.request("GET", ADELE, params={"$select": "displayName"})
    assert user["displayName"] == "Adele Vance"
