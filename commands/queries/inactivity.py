"""Inactive accounts: enabled users whose last activity is older than N days, tallied a page at
a time, with the licences they hold and what those cost a month.

Last activity is `signInActivity.lastSuccessfulSignInDateTime` (signinactivity.md), falling back
to the interactive and non-interactive times (which count failed attempts too) only where it is
missing (`SignIns.last_activity`). A user who never signed in is inactive only once created
more than N days ago; Graph leaves `createdDateTime` out for objects from before 2018, so those
count as old.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from integrations.graph.directory import SignIns, User

__all__ = ["InactiveDigest", "InactiveRow", "InactiveTally", "Seats", "idle_reason"]

NEVER = "never signed in"
INACTIVE = "inactive"


def idle_reason(user: User, sign_ins: SignIns, now: datetime, days: int) -> str | None:
    """NEVER or INACTIVE when the account has been unused for `days`, else None."""
    cutoff = now - timedelta(days=days)
    last = sign_ins.last_activity
    if last is None:
        return NEVER if user.created is None or user.created < cutoff else None
    return INACTIVE if last < cutoff else None


@dataclass(frozen=True)
class Seats:
    """Prices the licences one user holds: names, the monthly cost of those with a price."""

    names: Callable[[str], str]
    """skuId -> product name."""
    part_numbers: Mapping[str, str]
    """skuId -> skuPartNumber."""
    prices: Mapping[str, float]
    """skuPartNumber -> monthly price per seat."""

    def of(self, user: User) -> tuple[tuple[str, ...], float, tuple[str, ...]]:
        """(product names, cost of the priced ones, part numbers without a price)."""
        parts = [self.part_numbers.get(sku, sku) for sku in user.sku_ids]
        cost = sum(self.prices[p] for p in parts if p in self.prices)
        return (
            tuple(self.names(sku) for sku in user.sku_ids),
            cost,
            tuple(p for p in parts if p not in self.prices),
        )


@dataclass(frozen=True)
class InactiveRow:
    id: str
    upn: str
    display_name: str
    guest: bool
    reason: str
    """"never signed in" or "inactive"."""
    last_activity: datetime | None
    created: datetime | None
    licences: tuple[str, ...]
    """Product names of the licences held."""
    monthly_cost: float
    """Of the licences with a price in `DigestOptions.prices`."""
    unpriced: tuple[str, ...]
    """skuPartNumbers held without a price."""


@dataclass(frozen=True)
class InactiveDigest:
    days: int
    checked: int
    """Enabled accounts looked at (shared mailboxes left out when known)."""
    rows: tuple[InactiveRow, ...]
    """By UPN."""
    licensed: int
    """Inactive accounts holding a licence."""
    seats: int
    monthly_cost: float
    unpriced: tuple[str, ...]
    currency: str


class InactiveTally:
    def __init__(
        self, now: datetime, days: int, seats: Seats, shared: frozenset[str], currency: str
    ) -> None:
        self._now, self._days, self._seats = now, days, seats
        self._shared, self._currency = shared, currency
        self._checked = 0
        self._rows: list[InactiveRow] = []

    def add(self, user: User, sign_ins: SignIns) -> None:
        if not user.enabled or user.id in self._shared:
            return
        self._checked += 1
        reason = idle_reason(user, sign_ins, self._now, self._days)
        if reason is None:
            return
        names, cost, unpriced = self._seats.of(user)
        self._rows.append(
            InactiveRow(
                id=user.id,
                upn=user.upn,
                display_name=user.display_name,
                guest=user.guest,
                reason=reason,
                last_activity=sign_ins.last_activity,
                created=user.created,
                licences=names,
                monthly_cost=cost,
                unpriced=unpriced,
            )
        )

    def digest(self) -> InactiveDigest:
        licensed = [r for r in self._rows if r.licences]
        return InactiveDigest(
            days=self._days,
            checked=self._checked,
            rows=tuple(sorted(self._rows, key=lambda r: r.upn.casefold())),
            licensed=len(licensed),
            seats=sum(len(r.licences) for r in licensed),
            monthly_cost=sum(r.monthly_cost for r in licensed),
            unpriced=tuple(sorted({p for r in licensed for p in r.unpriced})),
            currency=self._currency,
        )
