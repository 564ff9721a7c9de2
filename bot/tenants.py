"""The customer tenants Deskhand serves and the Graph client of each."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commands.context import TenantInfo
from core.errors import NotFound, UsageError

if TYPE_CHECKING:
    from integrations.graph import GraphClient

__all__ = ["TenantDirectory"]


@dataclass(frozen=True)
class TenantDirectory:
    tenants: tuple[TenantInfo, ...]
    clients: Mapping[str, GraphClient]
    default: str | None = None

    def resolve(self, name: str | None, hint: str | None = None) -> TenantInfo:
        """`--tenant` wins, then the conversation's tenant, the default, or the only tenant."""
        wanted = name or hint or self.default
        if wanted:
            return self._find(wanted)
        if len(self.tenants) == 1:
            return self.tenants[0]
        raise UsageError(f"Say which tenant with --tenant ({self._names()}).")

    def client(self, tenant: TenantInfo) -> GraphClient | None:
        return self.clients.get(tenant.name)

    def _find(self, wanted: str) -> TenantInfo:
        key = wanted.strip().lower()
        for tenant in self.tenants:
            keys = (
                tenant.name,
                tenant.domain.lower(),
                tenant.tenant_id,
                tenant.display_name.lower(),
            )
            if key in keys:
                return tenant
        close = difflib.get_close_matches(key, [t.name for t in self.tenants], n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise NotFound(f"No tenant called {wanted!r}.{hint} Known tenants: {self._names()}.")

    def _names(self) -> str:
        return ", ".join(tenant.name for tenant in self.tenants)
