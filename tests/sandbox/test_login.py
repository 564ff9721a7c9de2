"""The Entra login endpoints: OpenID metadata, client secret and certificate credentials."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import jwt
import msal
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from sandbox import Sandbox
from tests.certificates import self_signed

from .conftest import GRAPH_SCOPE, request_token


def _aadsts(response: httpx.Response) -> int:
    body = response.json()
    assert set(body) >= {
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
    }
    assert body["error_description"].startswith(f"AADSTS{body['error_codes'][0]}: ")
    return int(body["error_codes"][0])


async def test_client_secret_grant_answers_like_entra(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    response = await request_token(sandbox_http, sandbox, "contoso")

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == 3599
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    contoso = sandbox.tenant("contoso")
    assert claims["tid"] == contoso.tenant_id
    assert claims["appid"] == contoso.client_id
    assert claims["aud"] == "https://graph.microsoft.com"
    assert set(claims["roles"]) == contoso.permissions


async def test_access_token_verifies_with_the_published_signing_keys(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    tenant_id = sandbox.tenant("contoso").tenant_id
    metadata = (await sandbox_http.get("/contoso.com/v2.0/.well-known/openid-configuration")).json()
    keys = (await sandbox_http.get(metadata["jwks_uri"])).json()
    token = (await request_token(sandbox_http, sandbox, "contoso")).json()["access_token"]

    key = jwt.PyJWK(keys["keys"][0])
    claims = jwt.decode(
        token, key.key, algorithms=["RS256"], audience="https://graph.microsoft.com"
    )

    assert metadata["token_endpoint"] == f"{sandbox.url}/{tenant_id}/oauth2/v2.0/token"
    assert claims["tid"] == tenant_id


async def test_tenant_is_found_by_id_or_any_domain(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    contoso = sandbox.tenant("contoso")
    for key in (contoso.tenant_id, "contoso.com", "CONTOSO.onmicrosoft.com"):
        metadata = await sandbox_http.get(f"/{key}/v2.0/.well-known/openid-configuration")
        assert metadata.json()["issuer"] == f"{sandbox.url}/{contoso.tenant_id}/v2.0"


async def test_unknown_tenant_is_aadsts90002(sandbox_http: httpx.AsyncClient) -> None:
    metadata = await sandbox_http.get("/nowhere.example/v2.0/.well-known/openid-configuration")
    token = await sandbox_http.post(
        "/nowhere.example/oauth2/v2.0/token", data={"grant_type": "client_credentials"}
    )

    assert metadata.status_code == token.status_code == 400
    assert metadata.json()["error"] == "invalid_tenant"
    assert _aadsts(metadata) == _aadsts(token) == 90002


async def test_login_errors_carry_the_documented_aadsts_codes(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    contoso = sandbox.tenant("contoso")
    base = {
        "grant_type": "client_credentials",
        "client_id": contoso.client_id,
        "client_secret": contoso.client_secret,
        "scope": GRAPH_SCOPE,
    }
    cases: list[tuple[dict[str, str], int, str, int]] = [
        ({"client_id": "11111111-2222-3333-4444-555555555555"}, 400, "unauthorized_client", 700016),
        ({"client_secret": "not-the-secret"}, 401, "invalid_client", 7000215),
        ({"scope": "User.Read.All"}, 400, "invalid_scope", 1002012),
        ({"scope": "https://management.azure.com/.default"}, 400, "invalid_resource", 500011),
        ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
        ({"client_secret": ""}, 401, "invalid_client", 7000218),
    ]
    for change, status, error, code in cases:
        response = await sandbox_http.post(
            f"/{contoso.tenant_id}/oauth2/v2.0/token", data={**base, **change}
        )
        assert (response.status_code, response.json()["error"], _aadsts(response)) == (
            status,
            error,
            code,
        ), change


async def test_login_error_echoes_the_client_request_id(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    contoso = sandbox.tenant("contoso")
    response = await sandbox_http.post(
        f"/{contoso.tenant_id}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": "x", "scope": GRAPH_SCOPE},
        headers={"client-request-id": "4f1e2a9c-0000-4000-8000-000000000001"},
    )

    assert response.json()["correlation_id"] == "4f1e2a9c-0000-4000-8000-000000000001"


async def test_token_request_is_recorded_without_its_secret(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    await request_token(sandbox_http, sandbox, "contoso")

    recorded = sandbox.requests[-1]
    assert recorded.tenant == "contoso"
    assert recorded.path.endswith("/oauth2/v2.0/token")
    assert recorded.body["client_secret"] == "***"
    assert sandbox.tenant("contoso").client_secret not in repr(sandbox.requests)


@pytest.fixture(autouse=True)
def _requests_honours_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests (under msal) lets these variables override `Session.verify`."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def _msal_token(sandbox: Sandbox, authority_key: str, credential: Any) -> dict[str, Any]:
    contoso = sandbox.tenant("contoso")
    app = msal.ConfidentialClientApplication(
        contoso.client_id,
        client_credential=credential,
        authority=f"{sandbox.url}/{authority_key}",
        verify=str(sandbox.ca_file),
        instance_discovery=False,
    )
    try:
        result: dict[str, Any] = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    finally:
        app.http_client.close()
    return result


async def test_msal_gets_a_token_with_a_client_secret(sandbox: Sandbox) -> None:
    secret = sandbox.tenant("contoso").client_secret

    result = await asyncio.to_thread(_msal_token, sandbox, "contoso.com", secret)

    assert result.get("token_type") == "Bearer", result.get("error_description")
    assert "access_token" in result


async def test_msal_gets_a_token_with_a_registered_certificate(sandbox: Sandbox) -> None:
    contoso = sandbox.tenant("contoso")
    key_pem, certificate_pem = self_signed()
    contoso.register_certificate(certificate_pem)
    by_sha256 = {"private_key": key_pem.decode(), "public_certificate": certificate_pem.decode()}
    sha1 = x509.load_pem_x509_certificate(certificate_pem).fingerprint(hashes.SHA1()).hex()
    by_sha1 = {"private_key": key_pem.decode(), "thumbprint": sha1}

    for credential in (by_sha256, by_sha1):
        result = await asyncio.to_thread(_msal_token, sandbox, contoso.tenant_id, credential)
        assert "access_token" in result, result.get("error_description")


async def test_assertion_signed_by_an_unregistered_certificate_is_refused(
    sandbox: Sandbox,
) -> None:
    key_pem, certificate_pem = self_signed()
    credential = {"private_key": key_pem.decode(), "public_certificate": certificate_pem.decode()}

    result = await asyncio.to_thread(_msal_token, sandbox, "contoso.com", credential)

    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]


async def test_expired_assertion_is_refused(
    sandbox: Sandbox, sandbox_http: httpx.AsyncClient
) -> None:
    contoso = sandbox.tenant("contoso")
    key_pem, certificate_pem = self_signed()
    contoso.register_certificate(certificate_pem)
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    endpoint = f"{sandbox.url}/{contoso.tenant_id}/oauth2/v2.0/token"
    claims = {"aud": endpoint, "iss": contoso.client_id, "sub": contoso.client_id, "exp": 1}
    thumbprint = jwt.utils.base64url_encode(certificate.fingerprint(hashes.SHA256())).decode()
    assertion = jwt.encode(claims, key_pem, algorithm="RS256", headers={"x5t#S256": thumbprint})

    response = await sandbox_http.post(
        endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": contoso.client_id,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": GRAPH_SCOPE,
        },
    )

    assert response.status_code == 401
    assert _aadsts(response) == 700024
