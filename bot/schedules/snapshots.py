"""The daily snapshots: each tenant's MFA coverage, inactive accounts and licence waste kept in
the store once a day, so that trends have a point per day however often digests are asked for.

Per tenant ONE read of the three kinds (`commands.queries.digests.read_tenant_digest`, with the
`[digests]` options and the product catalog's names, as /digest reads), then one snapshot per
kind through `commands.digest.remember`, the function /digest records with. At most `AT_ONCE`
tenants are read at a time; a tenant that cannot be read is logged and skipped, the others
still recorded. The built-in DBOS schedule `deskhand:snapshots` (`bot.schedules.book`) runs
this once a day across replicas.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from bot.pipeline.tenants import TenantDirectory
from commands.digest import AT_ONCE, digest_options, remember
from commands.kit.context import silent_progress
from commands.kit.digests import DigestDefaults
from commands.kit.services import TrendBook
from commands.queries.digests import DigestKind, read_tenant_digest
from core.errors import DeskhandError
from core.identity import TenantInfo

__all__ = ["Taken", "take_snapshots"]

log = structlog.get_logger("deskhand.schedules")


@dataclass(frozen=True)
class Taken:
    """What one day's run recorded."""

    tenants: int
    """Tenants read and recorded."""
    snapshots: int
    failed: tuple[str, ...]
    """The names of the tenants that could not be read."""

    def counts(self) -> dict[str, int]:
        """For DBOS, which keeps a step's result: numbers only."""
        return {"tenants": self.tenants, "snapshots": self.snapshots, "failed": len(self.failed)}


async def take_snapshots(
    directory: TenantDirectory,
    trends: TrendBook,
    defaults: DigestDefaults,
    names: Callable[[str, str], str],
    now: datetime,
) -> Taken:
    """Records today's snapshot of every kind for every tenant of `directory`; `names` names a
    product by (skuId, skuPartNumber), as the catalog does (`ProductCatalog.name`)."""
    options = digest_options(defaults)
    kinds = frozenset(DigestKind)
    gate = asyncio.Semaphore(AT_ONCE)

    async def take(tenant: TenantInfo) -> bool:
        async with gate:
            try:
                digest = await read_tenant_digest(
                    directory.graph(tenant),
                    kinds,
                    options,
                    now=now,
                    progress=silent_progress,
                    exchange=directory.exchange(tenant),
                    names=names,
                )
                for kind in DigestKind:
                    await remember(trends, tenant.name, kind, digest, now)
            except DeskhandError as error:
                # The message is the one shown to users: it names no secret.
                log.warning("snapshots.tenant_failed", tenant=tenant.name, error=error.message)
                return False
            except Exception:
                # One customer's surprise never costs the others their day's point.
                log.exception("snapshots.tenant_crashed", tenant=tenant.name)
                return False
        return True

    done = await asyncio.gather(*(take(tenant) for tenant in directory.tenants))
    recorded = sum(done)
    failed = tuple(t.name for t, ok in zip(directory.tenants, done, strict=True) if not ok)
    taken = Taken(recorded, recorded * len(DigestKind), failed)
    log.info("snapshots.taken", **taken.counts())
    return taken
