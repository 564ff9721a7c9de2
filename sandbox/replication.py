"""Replication lag: reads after a write that still see the tenant as it was before the write.

Microsoft Entra is eventually consistent ("Designing for eventual consistency for Microsoft
Entra", Microsoft Identity blog, March 2026): a write is accepted first and copied to the
directory's replicas afterwards, and until then a read may not return the latest data, a newly
created object may answer 404 Not Found and a recently updated property may not be visible yet.

With a `Lag` armed for a tenant the sandbox behaves so. A write (a Graph call other than GET,
or an Exchange cmdlet other than Get-*) copies the tenant's directory and mailboxes as they were
before it, unless a copy is already being served; the next `reads` reads whose path contains
`path` are answered from that copy (every one of them with `reads=None`), after which the
tenant has caught up until the next write. Writes always see and change the current state.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

from .tenant import SandboxTenant

__all__ = ["Lag", "Replication"]


@dataclass(frozen=True)
class Lag:
    """How far a tenant's reads trail its writes: `reads` stale reads after each write (None:
    until the lag is cleared), counting only reads whose path contains `path` (None: all)."""

    reads: int | None = None
    path: str | None = None


@dataclass
class _Replica:
    lag: Lag
    behind: SandboxTenant | None = None
    """The tenant as it was before the first write not yet replicated."""
    remaining: int | None = None


@dataclass
class Replication:
    _replicas: dict[str, _Replica] = field(default_factory=dict)

    def lag(self, tenant: str, lag: Lag) -> None:
        self._replicas[tenant] = _Replica(lag)

    def clear(self) -> None:
        self._replicas.clear()

    def wrote(self, tenant: SandboxTenant) -> None:
        """Called before a write runs: the replica keeps the state from before it."""
        replica = self._replicas.get(tenant.name)
        if replica is None or replica.behind is not None:
            return
        replica.behind = dataclasses.replace(
            tenant,
            directory=copy.deepcopy(tenant.directory),
            exchange=copy.deepcopy(tenant.exchange),
        )
        replica.remaining = replica.lag.reads

    def read(self, tenant: SandboxTenant, path: str) -> SandboxTenant:
        """The tenant a read of `path` sees: the stale copy while the lag lasts."""
        replica = self._replicas.get(tenant.name)
        if replica is None or replica.behind is None:
            return tenant
        if replica.lag.path is not None and replica.lag.path not in path:
            return tenant
        if replica.remaining is not None:
            if replica.remaining <= 0:
                replica.behind = None  # caught up
                return tenant
            replica.remaining -= 1
        return replica.behind
