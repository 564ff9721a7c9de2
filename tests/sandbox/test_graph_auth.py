"""Graph's bearer-token checks, permission checks and response headers."""

from __future__ import annotations

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox import Sandbox

from .conftest import TokenFor, request_token


def _error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def test_request_without_a_token_is_401_invalid_authentication_token(
    sandbox_http: httpx.AsyncClient,
) -> None:
    response = await sandbox_http.get("/v1.0/users")

    assert _error(response) == (401, "InvalidAuthenticationToken")
    assert response.json()["error"]["message"] == "Access token is empty."
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_expired_forged_and_foreign_audience_tokens_are_refused(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    contoso = sandbox.tenant("contoso")
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"aud": "https://graph.microsoft.com", "tid": contoso.tenant_id, "exp": 4102444800},
        other_key,
        algorithm="RS256",
    )
    exchange = await request_token(
        sandbox_http, sandbox, "contoso", "https://outlook.office365.com/.default"
    )
    tokens = {
        "expired": sandbox.mint_token("contoso", lifetime=-60),
        "forged": forged,
        "audience": exchange.json()["access_token"],
        "garbage": "not.a.jwt",
    }
    for name, token in tokens.items():
        response = await sandbox_http.get(
            "/v1.0/users", headers={"Authorization": f"Bearer {token}"}
        )
        assert _error(response) == (401, "InvalidAuthenticationToken"), name


async def test_token_for_the_sandbox_url_is_accepted(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    token = await request_token(sandbox_http, sandbox, "contoso", f"{sandbox.url}/.default")

    response = await sandbox_http.get(
        "/v1.0/organization",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )

    assert response.status_code == 200


async def test_the_token_tenant_decides_which_directory_answers(
    sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    token = await token_for("fabrikam")

    response = await sandbox_http.get(
        "/v1.0/users/katie.jordan@fabrikam.com", headers={"Authorization": f"Bearer {token}"}
    )
    missing = await sandbox_http.get(
        "/v1.0/users/adele.vance@contoso.com", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.json()["displayName"] == "Katie Jordan"
    assert missing.status_code == 404


@pytest.mark.usefixtures("narrow_consent")
async def test_removed_permission_answers_403_authorization_request_denied(
    sandbox: Sandbox, graph: httpx.AsyncClient
) -> None:
    contoso = sandbox.tenant("contoso")
    contoso.permissions -= {"User.Read.All", "Directory.Read.All"}

    users = await graph.get("/v1.0/users")
    skus = await graph.get("/v1.0/subscribedSkus")

    assert _error(users) == (403, "Authorization_RequestDenied")
    assert users.json()["error"]["message"] == "Insufficient privileges to complete the operation."
    assert skus.status_code == 200


async def test_any_documented_alternative_permission_grants_the_endpoint(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> None:
    contoso = sandbox.tenant("contoso")
    contoso.permissions.clear()
    contoso.permissions.add("Directory.ReadWrite.All")
    token = await token_for("contoso")

    response = await sandbox_http.get(
        "/v1.0/users/adele.vance@contoso.com/memberOf",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 200


async def test_every_answer_carries_request_ids_and_echoes_the_client_one(
    graph: httpx.AsyncClient,
) -> None:
    sent = "8b1c9f43-3a7e-4a64-9d2b-0c1d2e3f4a5b"

    found = await graph.get("/v1.0/organization", headers={"client-request-id": sent})
    missing = await graph.get("/v1.0/users/nobody@contoso.com", headers={"client-request-id": sent})

    assert found.headers["client-request-id"] == sent
    assert found.headers["request-id"]
    inner = missing.json()["error"]["innerError"]
    assert inner["client-request-id"] == sent
    assert inner["request-id"] == missing.headers["request-id"]
    assert set(inner) == {"date", "request-id", "client-request-id"}


async def test_unknown_segment_is_400_and_wrong_method_is_405(graph: httpx.AsyncClient) -> None:
    unknown = await graph.get("/v1.0/users/adele.vance@contoso.com/nonsense")
    wrong_method = await graph.delete("/v1.0/subscribedSkus")
    me = await graph.get("/v1.0/me")

    assert _error(unknown) == (400, "BadRequest")
    assert unknown.json()["error"]["message"] == "Resource not found for the segment 'nonsense'."
    assert _error(wrong_method) == (405, "Request_BadRequest")
    assert _error(me) == (400, "BadRequest")
