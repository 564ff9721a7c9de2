"""Tenant guards: whether a tenant allows destructive actions right now, read from the store.

The approvals engine asks `destructive_allowed` before it plans an action and again right
before it runs one; nothing is cached, so a switch made on one replica holds on every replica
from its next question on. A tenant never switched allows them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.store import Store
from bot.store.guards import GuardRecord, load_guards, set_guard

__all__ = ["GuardState", "TenantGuards"]


@dataclass(frozen=True)
class GuardState:
    tenant: str
    destructive_enabled: bool
    changed_by: str = ""
    changed_at: datetime | None = None
    note: str = ""

    @property
    def refusal(self) -> str:
        """Why a destructive action is refused here, for the requester."""
        since = f" since {self.changed_at:%Y-%m-%d %H:%M} UTC" if self.changed_at else ""
        by = f" by {self.changed_by}" if self.changed_by else ""
        why = f" ({self.note})" if self.note else ""
        return (
            f"Destructive actions are switched off in {self.tenant}{by}{since}{why}. An admin "
            f"of {self.tenant} can allow them again with /guard on --tenant {self.tenant}."
        )


def _state(record: GuardRecord) -> GuardState:
    return GuardState(
        record.tenant,
        record.destructive_enabled,
        record.changed_by,
        record.changed_at,
        record.note,
    )


@dataclass(frozen=True)
class TenantGuards:
    store: Store

    async def destructive_allowed(self, tenant: str) -> bool:
        return (await self.state(tenant)).destructive_enabled

    async def state(self, tenant: str) -> GuardState:
        return (await self.states([tenant]))[tenant]

    async def states(self, tenants: Collection[str]) -> Mapping[str, GuardState]:
        """Every tenant asked for, switched or not."""
        async with self.store.engine.connect() as conn:
            records = await load_guards(conn, tenants)
        return {
            name: _state(records[name]) if name in records else GuardState(name, True)
            for name in tenants
        }

    async def switch(
        self, tenant: str, *, enabled: bool, by: str, now: datetime, note: str
    ) -> GuardState:
        async with self.store.engine.begin() as conn:
            record = await set_guard(
                conn, tenant=tenant, destructive_enabled=enabled, changed_by=by, now=now, note=note
            )
        return _state(record)
