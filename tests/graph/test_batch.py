"""`$batch` against the sandbox: splitting, correlation by id, per-request errors."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import LicenseRequired, RemoteNotFound
from integrations.graph import BatchRequest, GraphClient, eq
from sandbox import Sandbox

from .conftest import ClientFor

ADELE = "/users/adele.vance@contoso.com"


async def test_large_batches_are_split_into_twenties_and_correlated_by_id(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    users = [u async for u in contoso.pages("/users", select=["userPrincipalName"])]
    names = [u["userPrincipalName"] for u in users]
    requests = [
        BatchRequest.get(f"r{i}", f"/users/{names[i % len(names)]}", select=["userPrincipalName"])
        for i in range(45)
    ]
    results = await contoso.batch(requests)
    assert list(results) == [r.id for r in requests]
    for i, request in enumerate(requests):
        assert results[request.id].unwrap()["userPrincipalName"] == names[i % len(names)]
    batches = [r for r in sandbox.requests if r.path == "/v1.0/$batch"]
    assert sorted(len(b.body["requests"]) for b in batches) == [5, 20, 20]


async def test_inner_failures_come_back_as_results_beside_successes(
    contoso: GraphClient,
) -> None:
    results = await contoso.batch(
        [
            BatchRequest.get("known", ADELE, select=["id"]),
            BatchRequest.get("unknown", "/users/nobody@contoso.com", select=["id"]),
        ]
    )
    assert results["known"].ok and results["known"].status == 200
    assert isinstance(results["unknown"].error, RemoteNotFound)
    assert results["unknown"].status == 404 and results["unknown"].request_id
    with pytest.raises(RemoteNotFound):
        results["unknown"].unwrap()


async def test_licence_errors_inside_a_batch_are_mapped(client_for: ClientFor) -> None:
    fabrikam = client_for("fabrikam")
    first = await fabrikam.get("/users", select=["id"], params={"$top": "1"})
    user = first["value"][0]["id"]
    results = await fabrikam.batch(
        [
            BatchRequest.get("user", f"/users/{user}", select=["id", "signInActivity"]),
            BatchRequest.get("methods", f"/users/{user}/authentication/methods", select=()),
        ]
    )
    assert isinstance(results["user"].error, LicenseRequired)
    assert results["methods"].ok


async def test_user_screen_is_one_batch_beside_one_beta_call(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    user = await contoso.get(ADELE, select=["id"])
    await contoso.tokens.token()
    sandbox.requests.clear()
    user_id = user["id"]
    screen = [
        BatchRequest.get(
            "user",
            f"/users/{user_id}",
            select=["id", "displayName", "accountEnabled", "assignedLicenses", "signInActivity"],
        ),
        BatchRequest.get("manager", f"/users/{user_id}/manager", select=["displayName", "mail"]),
        BatchRequest.get("memberOf", f"/users/{user_id}/memberOf", select=["id", "displayName"]),
        BatchRequest.get("methods", f"/users/{user_id}/authentication/methods", select=()),
        BatchRequest.get(
            "registration",
            f"/reports/authenticationMethods/userRegistrationDetails/{user_id}",
            select=(),
        ),
        BatchRequest.get(
            "roles",
            "/roleManagement/directory/roleAssignments",
            select=["roleDefinitionId"],
            params={"$filter": str(eq("principalId", user_id))},
        ),
    ]
    batch, mfa = await asyncio.gather(
        contoso.batch(screen),
        contoso.get(f"/users/{user_id}/authentication/requirements", select=(), version="beta"),
    )
    assert all(result.ok for result in batch.values()), {
        k: v.error for k, v in batch.items() if v.error
    }
    assert "perUserMfaState" in mfa
    outer = [r.path for r in sandbox.requests if r.batch is None]
    assert sorted(outer) == sorted(
        ["/v1.0/$batch", f"/beta/users/{user_id}/authentication/requirements"]
    )
