"""The customer tenants Deskhand serves and the Graph, Exchange Online and SharePoint Online
clients of each."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.errors import AccessDenied, NotFound, UsageError, UserError
from core.identity import TenantInfo

if TYPE_CHECKING:
    from integrations.exchange import ExchangeClient
    from integrations.graph import GraphClient
    from integrations.sharepoint import SharePointClient

__all__ = ["NoSuchTenant", "TenantDirectory"]


class NoSuchTenant(AccessDenied):
    """A `--tenant` the person holds no role in, whether or not Deskhand serves it: one answer
    for both, so nobody learns which other customers exist."""


@dataclass(frozen=True)
class TenantDirectory:
    tenants: tuple[TenantInfo, ...]
    clients: Mapping[str, GraphClient]
    default: str | None = None
    exchange_clients: Mapping[str, ExchangeClient] = field(default_factory=dict)
    sharepoint_clients: Mapping[str, SharePointClient] = field(default_factory=dict)
    """By tenant name; a tenant whose SharePoint name is unknown has none."""

    def resolve(
        self,
        name: str | None,
        hint: str | None = None,
        *,
        among: Sequence[TenantInfo] = (),
        addresses: Sequence[str] = (),
    ) -> TenantInfo:
        """`--tenant` wins, then the tenant whose verified domain an address typed in the
        command is in, then the conversation's tenant, the default, or the only tenant.

        Only the tenants in `among` (those the person may use) are told apart by address or
        named with `--tenant`, and messages name only them: a tenant that does not exist and
        one the person may not use get the same `NoSuchTenant`, so nobody learns the names of
        the other customers.
        """
        owner = _owner(addresses, among)
        if name:
            chosen = _named(name, among)
            if owner is not None and owner[1] != chosen:
                address, other = owner
                raise UsageError(
                    f"{address} is in {other.name}, not {chosen.name}: leave out --tenant, "
                    f"or use --tenant {other.name}."
                )
            return chosen
        if owner is not None:
            return owner[1]
        wanted = hint or self.default
        if wanted:
            return self._find(wanted, among)
        if len(self.tenants) == 1:
            return self.tenants[0]
        raise UsageError(f"Say which tenant with --tenant{_listing(among, ' ({})')}.")

    def client(self, tenant: TenantInfo) -> GraphClient | None:
        return self.clients.get(tenant.name)

    def graph(self, tenant: TenantInfo) -> GraphClient:
        """The tenant's Graph client, for a command reading several tenants (`TenantClients`)."""
        client = self.client(tenant)
        if client is None:
            raise UserError(f"Deskhand has no Graph client for {tenant.name}.")
        return client

    def exchange(self, tenant: TenantInfo) -> ExchangeClient | None:
        return self.exchange_clients.get(tenant.name)

    def sharepoint(self, tenant: TenantInfo) -> SharePointClient | None:
        return self.sharepoint_clients.get(tenant.name)

    def _find(self, wanted: str, among: Sequence[TenantInfo]) -> TenantInfo:
        """A tenant named by the conversation or the configuration, not by the person."""
        found = _matching(wanted, self.tenants)
        if found is not None:
            return found
        key = wanted.strip().lower()
        close = difflib.get_close_matches(key, [t.name for t in among], n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        known = _listing(among, " Known tenants: {}.") or " You have no role in any tenant yet."
        raise NotFound(f"No tenant called {wanted!r}.{hint}{known}")


def _named(wanted: str, among: Sequence[TenantInfo]) -> TenantInfo:
    """The tenant `--tenant` names among the person's own; the same refusal for every other
    name, looked up the same way, whether Deskhand serves such a tenant or not."""
    found = _matching(wanted, among)
    if found is not None:
        return found
    close = difflib.get_close_matches(wanted.strip().lower(), [t.name for t in among], n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    yours = _listing(among, " Your tenants: {}.") or " You have no role in any tenant yet."
    raise NoSuchTenant(
        f"You have no access to tenant {wanted!r} (or it does not exist).{hint}{yours}"
    )


def _matching(wanted: str, tenants: Sequence[TenantInfo]) -> TenantInfo | None:
    """The tenant called `wanted` by its name, domain, tenant id or organisation name."""
    key = wanted.strip().lower()
    for tenant in tenants:
        names = (tenant.name, tenant.domain, tenant.tenant_id, tenant.display_name)
        if key in (name.lower() for name in names):
            return tenant
    return None


def _owner(addresses: Sequence[str], among: Sequence[TenantInfo]) -> tuple[str, TenantInfo] | None:
    """The tenant in `among` that the addresses' domains belong to, with the address naming it."""
    owners: dict[str, tuple[str, TenantInfo]] = {}
    for address in addresses:
        _, at, domain = address.rpartition("@")
        tenant = next((t for t in among if at and domain.lower() in t.domains), None)
        if tenant is not None:
            owners.setdefault(tenant.name, (address, tenant))
    if len(owners) > 1:
        named = " and ".join(address for address, _ in owners.values())
        raise UsageError(f"{named} are in different tenants: run the command once for each.")
    return next(iter(owners.values()), None)


def _listing(tenants: Sequence[TenantInfo], template: str) -> str:
    return template.format(", ".join(t.name for t in tenants)) if tenants else ""
