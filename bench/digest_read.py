"""Every tenant's three digests read as `/digest … --all` reads them, from plain connection
details, so the benchmark and its memory probe (a process of its own) read alike: a Graph and an
Exchange Online client per tenant on one shared HTTP client, as the runtime builds them (the
Exchange one tells shared mailboxes apart), `TENANTS_AT_ONCE` tenants at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from commands.digest import AT_ONCE
from commands.kit.context import silent_progress
from commands.queries.digests import DigestKind, DigestOptions, TenantDigest, read_tenant_digest
from integrations.exchange import PUBLIC_EXCHANGE, ExchangeClient, ExchangeEndpoint
from integrations.graph import AppCredentials, CloudEndpoints, GraphClient
from integrations.outbound import create_http_client
from sandbox import SandboxTenant

__all__ = ["KINDS", "TENANTS_AT_ONCE", "Clients", "Registration", "read_all", "tenant_clients"]

KINDS = frozenset(DigestKind)
TENANTS_AT_ONCE = AT_ONCE
"""As `/digest … --all` reads them (commands/digest.py)."""


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


@dataclass(frozen=True)
class Clients:
    graph: GraphClient
    exchange: ExchangeClient

    async def sign_in(self) -> None:
        """Fetch both tokens, so that a read measures no sign-in."""
        await self.graph.tokens.token()
        await self.exchange.tokens.token()


@asynccontextmanager
async def tenant_clients(
    url: str, ca_file: Path, registrations: Sequence[Registration]
) -> AsyncIterator[dict[str, Clients]]:
    """Each tenant's clients against the sandbox at `url`, by tenant name."""
    endpoints = CloudEndpoints(url, url)
    # The sandbox serves Exchange's admin API too; its tokens name the public resource.
    exchange = ExchangeEndpoint(url, resource=PUBLIC_EXCHANGE.host)
    async with create_http_client(ca_file) as http:
        clients = {}
        for r in registrations:
            app = AppCredentials(r.tenant_id, r.client_id, client_secret=r.client_secret)
            clients[r.name] = Clients(
                GraphClient(http, app, endpoints, ca_bundle=ca_file),
                ExchangeClient(http, app, endpoints, exchange, ca_bundle=ca_file),
            )
        try:
            yield clients
        finally:
            for each in clients.values():
                await each.graph.aclose()
                await each.exchange.aclose()


async def read_all(clients: Mapping[str, Clients], now: datetime) -> dict[str, TenantDigest]:
    """All three digests of every tenant, `TENANTS_AT_ONCE` tenants at a time."""
    gate = asyncio.Semaphore(TENANTS_AT_ONCE)
    options = DigestOptions()

    async def one(each: Clients) -> TenantDigest:
        async with gate:
            return await read_tenant_digest(
                each.graph,
                KINDS,
                options,
                now=now,
                progress=silent_progress,
                exchange=each.exchange,
            )

    digests = await asyncio.gather(*(one(each) for each in clients.values()))
    return dict(zip(clients, digests, strict=True))
