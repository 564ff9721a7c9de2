"""Licences: seats per product (`GET /subscribedSkus`, subscribedsku-list.md), seats held by
disabled or inactive accounts, and subscriptions ending soon (`GET /directory/subscriptions`,
directory-list-subscriptions.md: `nextLifecycleDateTime`, `status` Enabled / Warning /
Suspended / Deleted / LockedOut, `isTrial`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from commands.queries.inactivity import Seats, idle_reason
from commands.queries.roster import Unreadable, unreadable
from core.errors import IntegrationError
from integrations.graph import GraphClient
from integrations.graph.directory import SignIns, Sku, User, parse_time

__all__ = [
    "DISABLED",
    "LicenseDigest",
    "LicenseTally",
    "ProductRow",
    "SubscriptionRow",
    "WastedRow",
    "expiring",
    "read_skus",
    "read_subscriptions",
]

DISABLED = "sign-in blocked"
_SKU_FIELDS = ("skuId", "skuPartNumber", "prepaidUnits", "consumedUnits", "capabilityStatus")
_SUBSCRIPTION_FIELDS = (
    "id",
    "skuId",
    "skuPartNumber",
    "status",
    "isTrial",
    "totalLicenses",
    "nextLifecycleDateTime",
)
_AT_RISK = frozenset({"warning", "suspended", "lockedout"})


@dataclass(frozen=True)
class ProductRow:
    sku_id: str
    part_number: str
    name: str
    purchased: int
    """prepaidUnits.enabled"""
    assigned: int
    """consumedUnits"""
    available: int
    price: float | None


@dataclass(frozen=True)
class WastedRow:
    id: str
    upn: str
    display_name: str
    reason: str
    """"sign-in blocked", "never signed in" or "inactive"."""
    last_activity: datetime | None
    licences: tuple[str, ...]
    monthly_cost: float
    unpriced: tuple[str, ...]


@dataclass(frozen=True)
class SubscriptionRow:
    id: str
    sku_id: str
    part_number: str
    name: str
    status: str
    trial: bool
    licences: int
    next_lifecycle: datetime | None
    """When it next changes state (renews, expires, is disabled, or deleted)."""


@dataclass(frozen=True)
class LicenseDigest:
    products: tuple[ProductRow, ...]
    wasted: tuple[WastedRow, ...]
    """Licensed accounts that are disabled, or inactive (when sign-in activity is known)."""
    expiring: tuple[SubscriptionRow, ...]
    wasted_seats: int
    waste_cost: float
    unpriced: tuple[str, ...]
    currency: str


async def read_skus(graph: GraphClient) -> list[Sku] | Unreadable:
    try:
        page = await graph.get("/subscribedSkus", select=_SKU_FIELDS)
    except IntegrationError as error:
        return unreadable(error)
    return [Sku.from_graph(i) for i in page.get("value") or () if isinstance(i, Mapping)]


async def read_subscriptions(graph: GraphClient) -> list[dict[str, Any]] | Unreadable:
    try:
        return [
            item
            async for item in graph.pages("/directory/subscriptions", select=_SUBSCRIPTION_FIELDS)
        ]
    except IntegrationError as error:
        return unreadable(error)


def expiring(
    items: list[dict[str, Any]], now: datetime, days: int, names: Callable[[str, str], str]
) -> tuple[SubscriptionRow, ...]:
    """Subscriptions whose next lifecycle moment is within `days`, or already at risk."""
    cutoff = now + timedelta(days=days)
    rows = []
    for item in items:
        moment = parse_time(item.get("nextLifecycleDateTime"))
        status = str(item.get("status") or "")
        soon = moment is not None and moment <= cutoff
        if not soon and status.casefold() not in _AT_RISK:
            continue
        sku, part = str(item.get("skuId") or "").lower(), str(item.get("skuPartNumber") or "")
        rows.append(
            SubscriptionRow(
                id=str(item.get("id") or ""),
                sku_id=sku,
                part_number=part,
                name=names(sku, part),
                status=status,
                trial=item.get("isTrial") is True,
                licences=int(item.get("totalLicenses") or 0),
                next_lifecycle=moment,
            )
        )
    return tuple(sorted(rows, key=lambda r: (r.next_lifecycle is None, r.next_lifecycle, r.name)))


class LicenseTally:
    def __init__(self, now: datetime, days: int, seats: Seats, shared: frozenset[str]) -> None:
        self._now, self._days, self._seats, self._shared = now, days, seats, shared
        self._rows: list[WastedRow] = []

    def add(self, user: User, sign_ins: SignIns | None) -> None:
        # A shared mailbox is a disabled account; its licence is deliberate (archive, > 50 GB).
        if not user.licensed or user.id in self._shared:
            return
        reason: str | None = DISABLED
        if user.enabled:
            idle = sign_ins and idle_reason(user, sign_ins, self._now, self._days)
            reason = idle or None
        if reason is None:
            return
        names, cost, unpriced = self._seats.of(user)
        self._rows.append(
            WastedRow(
                id=user.id,
                upn=user.upn,
                display_name=user.display_name,
                reason=reason,
                last_activity=sign_ins.last_activity if sign_ins else None,
                licences=names,
                monthly_cost=cost,
                unpriced=unpriced,
            )
        )

    def digest(
        self, products: tuple[ProductRow, ...], soon: tuple[SubscriptionRow, ...], currency: str
    ) -> LicenseDigest:
        return LicenseDigest(
            products=products,
            wasted=tuple(sorted(self._rows, key=lambda r: r.upn.casefold())),
            expiring=soon,
            wasted_seats=sum(len(r.licences) for r in self._rows),
            waste_cost=sum(r.monthly_cost for r in self._rows),
            unpriced=tuple(sorted({p for r in self._rows for p in r.unpriced})),
            currency=currency,
        )
