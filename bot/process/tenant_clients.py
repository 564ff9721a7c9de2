"""Each served tenant and its clients: Graph, Exchange Online and SharePoint Online.

`sandbox_tenants` and `configured_tenants` read who the tenants are and how the app signs in to
each; `open_clients` builds one client per tenant and service on the shared httpx client, with
the endpoints `service_hosts` names, and closes them with the runtime. SharePoint's admin host
is named after the tenant's initial domain (`contoso` of contoso.onmicrosoft.com), so a tenant
configured without that domain, or in a national cloud, has no SharePoint client and the
OneDrive step says so.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.config import ClientSecret, Settings, TenantSettings
from bot.pipeline.tenants import TenantDirectory
from core.identity import TenantInfo
from integrations.exchange import EXCHANGE_CLOUDS, PUBLIC_EXCHANGE, ExchangeClient, ExchangeEndpoint
from integrations.graph import AppCredentials, CertificateCredential, CloudEndpoints, GraphClient
from integrations.sharepoint import SharePointAdmin, SharePointClient
from sandbox import Sandbox

__all__ = [
    "ServiceHosts",
    "TenantCredentials",
    "configured_tenants",
    "open_clients",
    "sandbox_tenants",
    "service_hosts",
]

_INITIAL_DOMAIN = ".onmicrosoft.com"


@dataclass(frozen=True)
class TenantCredentials:
    info: TenantInfo
    credentials: AppCredentials
    sharepoint_name: str = ""
    """The first label of the initial domain (`contoso`); "" when not known."""


@dataclass(frozen=True)
class ServiceHosts:
    endpoints: CloudEndpoints
    exchange: ExchangeEndpoint
    ca_bundle: Path | None
    sandbox_url: str = ""
    """The embedded sandbox's URL, which serves SharePoint's admin API for every tenant."""
    public_sharepoint: bool = True
    """SharePoint's admin hosts are the public cloud's (`{name}-admin.sharepoint.com`)."""

    def sharepoint(self, name: str) -> SharePointAdmin | None:
        if not name:
            return None
        if self.sandbox_url:
            # The sandbox serves on its own URL and issues tokens for the real admin host.
            return SharePointAdmin(
                self.sandbox_url, resource=f"https://{name}-admin.sharepoint.com"
            )
        return SharePointAdmin.for_tenant(name) if self.public_sharepoint else None


def service_hosts(settings: Settings, sandbox: Sandbox | None) -> ServiceHosts:
    if sandbox is not None:
        # The sandbox serves Exchange's admin API too; its tokens name the public resource.
        return ServiceHosts(
            CloudEndpoints(sandbox.url, sandbox.url),
            ExchangeEndpoint(sandbox.url, resource=PUBLIC_EXCHANGE.host),
            sandbox.ca_file,
            sandbox_url=sandbox.url,
        )
    public = settings.cloud == "public" and not (settings.graph_host or settings.login_host)
    return ServiceHosts(
        CloudEndpoints(settings.login_url, settings.graph_url, instance_discovery=public),
        _exchange_endpoint(settings),
        settings.ca_bundle,
        public_sharepoint=settings.cloud == "public",
    )


async def open_clients(
    stack: AsyncExitStack,
    http: httpx.AsyncClient,
    tenants: list[TenantCredentials],
    hosts: ServiceHosts,
    *,
    default: str | None,
) -> TenantDirectory:
    """Every tenant's clients, closed when `stack` closes."""
    ca = hosts.ca_bundle
    graph: dict[str, GraphClient] = {}
    exchange: dict[str, ExchangeClient] = {}
    sharepoint: dict[str, SharePointClient] = {}
    for t in tenants:
        name, credentials = t.info.name, t.credentials
        graph[name] = GraphClient(http, credentials, hosts.endpoints, ca_bundle=ca)
        exchange[name] = ExchangeClient(
            http, credentials, hosts.endpoints, hosts.exchange, ca_bundle=ca
        )
        admin = hosts.sharepoint(t.sharepoint_name)
        if admin is not None:
            sharepoint[name] = SharePointClient(
                http, credentials, hosts.endpoints, admin, ca_bundle=ca
            )
    closers = [c.aclose for c in graph.values()] + [c.aclose for c in exchange.values()]
    for close in closers + [c.aclose for c in sharepoint.values()]:
        stack.push_async_callback(close)
    return TenantDirectory(
        tuple(t.info for t in tenants),
        clients=graph,
        default=default,
        exchange_clients=exchange,
        sharepoint_clients=sharepoint,
    )


def sandbox_tenants(sandbox: Sandbox) -> list[TenantCredentials]:
    return [
        TenantCredentials(
            TenantInfo(
                t.name,
                t.directory.display_name,
                t.domain,
                t.tenant_id,
                sandbox=True,
                other_domains=tuple(
                    d.id.lower() for d in t.directory.domains if d.is_verified and d.id != t.domain
                ),
            ),
            AppCredentials(t.tenant_id, t.client_id, client_secret=t.client_secret),
            t.sharepoint_name,
        )
        for t in sandbox.tenants
    ]


def configured_tenants(settings: Settings) -> list[TenantCredentials]:
    """Reads each tenant's secret or certificate (blocking file I/O: run in a thread)."""
    return [_configured(tenant) for tenant in settings.tenants.values()]


def _configured(tenant: TenantSettings) -> TenantCredentials:
    info = TenantInfo(
        tenant.name,
        tenant.label,
        tenant.domain,
        tenant.tenant_id,
        other_domains=tenant.other_domains,
    )
    credential = tenant.credential()
    if isinstance(credential, ClientSecret):
        app = AppCredentials(
            tenant.tenant_id, tenant.client_id, client_secret=credential.value.get_secret_value()
        )
    else:
        certificate = CertificateCredential(
            credential.private_key_pem.get_secret_value(), credential.certificate_pem
        )
        app = AppCredentials(tenant.tenant_id, tenant.client_id, certificate=certificate)
    # contoso.onmicrosoft.com, not contoso.mail.onmicrosoft.com (the routing domain).
    labels = (d.removesuffix(_INITIAL_DOMAIN) for d in info.domains if d.endswith(_INITIAL_DOMAIN))
    return TenantCredentials(info, app, next((n for n in labels if "." not in n), ""))


def _exchange_endpoint(settings: Settings) -> ExchangeEndpoint:
    if settings.exchange_host:
        host = settings.exchange_host
        return ExchangeEndpoint(host if "://" in host else f"https://{host}")
    return EXCHANGE_CLOUDS[settings.cloud]
