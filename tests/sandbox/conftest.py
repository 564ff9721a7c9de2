"""Fixtures for the sandbox's own tests: a Graph client holding a real token for a tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from sandbox import Sandbox

GRAPH_SCOPE = "https://graph.microsoft.com/.default"

TokenFor = Callable[[str], Awaitable[str]]


async def request_token(
    http: httpx.AsyncClient, sandbox: Sandbox, tenant: str, scope: str = GRAPH_SCOPE
) -> httpx.Response:
    """The client credentials request msal sends, with the tenant's client secret."""
    registration = sandbox.tenant(tenant)
    return await http.post(
        f"/{registration.tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": registration.client_id,
            "client_secret": registration.client_secret,
            "scope": scope,
        },
    )


@pytest.fixture
def token_for(sandbox: Sandbox, sandbox_http: httpx.AsyncClient) -> TokenFor:
    async def token(tenant: str) -> str:
        response = await request_token(sandbox_http, sandbox, tenant)
        response.raise_for_status()
        return str(response.json()["access_token"])

    return token


@pytest.fixture
async def graph(
    sandbox_http: httpx.AsyncClient, token_for: TokenFor
) -> AsyncIterator[httpx.AsyncClient]:
    """Contoso's Graph: `await graph.get("/v1.0/users")`."""
    sandbox_http.headers["Authorization"] = f"Bearer {await token_for('contoso')}"
    yield sandbox_http


# Granted by default since the demo consents to everything `deskhand permissions` lists.
_BROAD_DEFAULTS = frozenset(
    {
        "User.ReadWrite.All",
        "User.ReadUpdate.All",
        "UserAuthenticationMethod.ReadWrite.All",
        "Policy.ReadWrite.AuthenticationMethod",
        "Application.Read.All",
    }
)


@pytest.fixture
def narrow_consent(sandbox: Sandbox) -> None:
    """Contoso without the broad permissions, for tests of what the narrow ones allow."""
    sandbox.tenant("contoso").permissions -= _BROAD_DEFAULTS
