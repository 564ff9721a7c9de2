"""Token acquisition against the sandbox's login endpoint: caching, credentials, failures."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from core.errors import AuthFailed, Unavailable
from integrations.graph import (
    AppCredentials,
    BearerAuth,
    CertificateCredential,
    CloudEndpoints,
    GraphClient,
)
from sandbox import Sandbox
from tests.certificates import self_signed_text

from .conftest import FAST_RETRY, ClientFor, sandbox_cloud, secret_credentials

ADELE = "/users/adele.vance@contoso.com"


def token_requests(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.requests if r.path.endswith("/oauth2/v2.0/token")]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_token_is_acquired_once_and_reused(contoso: GraphClient, sandbox: Sandbox) -> None:
    for _ in range(3):
        await contoso.get(ADELE, select=["id"])
    assert len(token_requests(sandbox)) == 1


async def test_concurrent_cold_requests_share_one_token_request(
    contoso: GraphClient, sandbox: Sandbox
) -> None:
    await asyncio.gather(*(contoso.get(ADELE, select=["id"]) for _ in range(10)))
    assert len(token_requests(sandbox)) == 1
    discovery = [r for r in sandbox.requests if "openid-configuration" in r.path]
    assert len(discovery) == 1


async def test_certificate_credential_signs_in_with_a_client_assertion(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    key_pem, cert_pem = self_signed_text()
    registration = sandbox.tenant("contoso")
    registration.register_certificate(cert_pem.encode())
    credentials = AppCredentials(
        registration.tenant_id,
        registration.client_id,
        certificate=CertificateCredential(key_pem, cert_pem),
    )
    client = GraphClient(http, credentials, sandbox_cloud(sandbox), ca_bundle=sandbox.ca_file)
    try:
        user = await client.get(ADELE, select=["displayName"])
    finally:
        await client.aclose()
    assert user["displayName"] == "Adele Vance"
    (token_request,) = [r for r in sandbox.requests if r.path.endswith("/token")]
    assert "client_assertion" in token_request.body and "client_secret" not in token_request.body


async def test_wrong_secret_fails_with_advice_and_without_the_secret(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    registration = sandbox.tenant("contoso")
    credentials = AppCredentials(
        registration.tenant_id, registration.client_id, client_secret="not-the-secret"
    )
    client = GraphClient(http, credentials, sandbox_cloud(sandbox), ca_bundle=sandbox.ca_file)
    with pytest.raises(AuthFailed) as failure:
        await client.get(ADELE, select=["id"])
    await client.aclose()
    assert "AADSTS7000215" in failure.value.message and "secret" in failure.value.message
    assert "not-the-secret" not in failure.value.message


async def test_app_missing_from_the_tenant_asks_for_admin_consent(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    credentials = AppCredentials(
        sandbox.tenant("contoso").tenant_id, str(uuid.uuid4()), client_secret="whatever"
    )
    client = GraphClient(http, credentials, sandbox_cloud(sandbox), ca_bundle=sandbox.ca_file)
    with pytest.raises(AuthFailed, match="admin consent"):
        await client.get(ADELE, select=["id"])
    await client.aclose()


async def test_unknown_tenant_fails_saying_the_tenant_was_not_found(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    credentials = AppCredentials(str(uuid.uuid4()), str(uuid.uuid4()), client_secret="x")
    client = GraphClient(http, credentials, sandbox_cloud(sandbox), ca_bundle=sandbox.ca_file)
    with pytest.raises(AuthFailed, match=r"AADSTS90002.*tenant was not found"):
        await client.get(ADELE, select=["id"])
    await client.aclose()


async def test_unreachable_login_host_is_unavailable_naming_it(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    login = f"https://127.0.0.1:{closed_port()}"
    cloud = CloudEndpoints(authority_host=login, graph_host=sandbox.url)
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
    assert login.removeprefix("https://") in failure.value.message
    assert failure.value.service == "Microsoft Entra ID"


@dataclass
class PickyApi:
    """A loopback API that rejects the first bearer token it sees, or every one."""

    url: str = ""
    seen: list[str] = field(default_factory=list)
    reject_all: bool = False

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append(request.headers.get("Authorization", ""))
        rejected = self.reject_all or self.seen[-1] == self.seen[0]
        return web.json_response({}, status=401 if rejected else 200)


@pytest.fixture
async def picky_api() -> AsyncIterator[PickyApi]:
    api = PickyApi()
    app = web.Application()
    app.router.add_get("/resource", api.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        api.url = str(server.make_url("/resource"))
        yield api


async def test_rejected_token_is_renewed_and_the_request_sent_again(
    client_for: ClientFor, sandbox: Sandbox, picky_api: PickyApi
) -> None:
    async with httpx.AsyncClient() as plain:
        response = await plain.get(picky_api.url, auth=BearerAuth(client_for("contoso").tokens))
    assert response.status_code == 200
    assert len(picky_api.seen) == 2 and picky_api.seen[0] != picky_api.seen[1]
    assert len(token_requests(sandbox)) == 2


async def test_a_request_renews_its_token_only_once(
    client_for: ClientFor, sandbox: Sandbox, picky_api: PickyApi
) -> None:
    picky_api.reject_all = True
    async with httpx.AsyncClient() as plain:
        response = await plain.get(picky_api.url, auth=BearerAuth(client_for("contoso").tokens))
    assert response.status_code == 401
    assert len(picky_api.seen) == 2
    assert len(token_requests(sandbox)) == 2


async def test_renewal_after_a_rejection_is_shared_by_concurrent_callers(
    client_for: ClientFor, sandbox: Sandbox
) -> None:
    client = client_for("contoso")
    first = await client.tokens.token()
    renewed = await asyncio.gather(*(client.tokens.refresh(first) for _ in range(5)))
    assert len(set(renewed)) == 1 and renewed[0] != first
    assert len(token_requests(sandbox)) == 2
