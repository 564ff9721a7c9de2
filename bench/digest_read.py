"""Every tenant's three digests read as `/digest … --all` reads them, from plain connection
details, so the benchmark and its memory probe (a process of its own) read alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from commands.kit.context import silent_progress
from commands.queries.digests import DigestKind, DigestOptions, TenantDigest, read_tenant_digest
from integrations.graph import AppCredentials, CloudEndpoints, GraphClient
from integrations.outbound import create_http_client
from sandbox import SandboxTenant

__all__ = ["KINDS", "TENANTS_AT_ONCE", "Registration", "graph_clients", "read_all"]

KINDS = frozenset(DigestKind)
TENANTS_AT_ONCE = 4


@dataclass(frozen=True)
class Registration:
    """How the app signs in to one sandbox tenant."""

    name: str
    tenant_id: str
    client_id: str
    client_secret: str

    @classmethod
    def of(cls, tenant: SandboxTenant) -> Registration:
        return cls(tenant.name, tenant.tenant_id, tenant.client_id, tenant.client_secret)


@asynccontextmanager
async def graph_clients(
    url: str, ca_file: Path, registrations: Sequence[Registration]
) -> AsyncIterator[dict[str, GraphClient]]:
    """A Graph client per tenant on one shared HTTP client, as the runtime builds them."""
    endpoints = CloudEndpoints(url, url)
    async with create_http_client(ca_file) as http:
        clients = {
            r.name: GraphClient(
                http,
                AppCredentials(r.tenant_id, r.client_id, client_secret=r.client_secret),
                endpoints,
                ca_bundle=ca_file,
            )
            for r in registrations
        }
        try:
            yield clients
        finally:
            for client in clients.values():
                await client.aclose()


async def read_all(clients: Mapping[str, GraphClient], now: datetime) -> dict[str, TenantDigest]:
    """All three digests of every tenant, `TENANTS_AT_ONCE` tenants at a time."""
    gate = asyncio.Semaphore(TENANTS_AT_ONCE)
    options = DigestOptions()

    async def one(graph: GraphClient) -> TenantDigest:
        async with gate:
            return await read_tenant_digest(
                graph, KINDS, options, now=now, progress=silent_progress
            )

    digests = await asyncio.gather(*(one(graph) for graph in clients.values()))
    return dict(zip(clients, digests, strict=True))
