"""Graph clients for sandbox tenants, over real HTTPS with the sandbox's test CA."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from integrations.graph import AppCredentials, CloudEndpoints, GraphClient
from integrations.outbound import RetryPolicy, create_http_client
from sandbox import Sandbox

# Short waits keep throttling tests fast; Retry-After values injected in tests stay below 0.2 s.
FAST_RETRY = RetryPolicy(max_attempts=3, max_delay=0.2, budget=1.0, base_delay=0.01)

ClientFor = Callable[..., GraphClient]


def sandbox_cloud(sandbox: Sandbox) -> CloudEndpoints:
    return CloudEndpoints(authority_host=sandbox.url, graph_host=sandbox.url)


def secret_credentials(sandbox: Sandbox, tenant: str) -> AppCredentials:
    registration = sandbox.tenant(tenant)
    return AppCredentials(
        tenant_id=registration.tenant_id,
        client_id=registration.client_id,
        client_secret=registration.client_secret,
    )


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with create_http_client(sandbox.ca_file, timeout=5.0) as client:
        yield client


@pytest.fixture
async def client_for(sandbox: Sandbox, http: httpx.AsyncClient) -> AsyncIterator[ClientFor]:
    """`client_for("contoso")`; keyword arguments go to `GraphClient`."""
    built: list[GraphClient] = []

    def build(tenant: str, **options: object) -> GraphClient:
        options.setdefault("retry", FAST_RETRY)
        client = GraphClient(
            options.pop("http", http),  # type: ignore[arg-type]
            secret_credentials(sandbox, tenant),
            sandbox_cloud(sandbox),
            ca_bundle=sandbox.ca_file,
            **options,  # type: ignore[arg-type]
        )
        built.append(client)
        return client

    yield build
    for client in built:
        await client.aclose()


@pytest.fixture
def contoso(client_for: ClientFor) -> GraphClient:
    return client_for("contoso")


def statuses(sandbox: Sandbox, path: str, *, in_batch: bool = False) -> list[int]:
    """Statuses the sandbox answered for `path`, outside or inside `$batch` requests."""
    return [
        r.status for r in sandbox.requests if r.path == path and (r.batch is not None) == in_batch
    ]
