"""One tenant's digests (MFA coverage, inactive accounts, licence waste) from one streamed read.

Per tenant: ONE `/users` listing (with `signInActivity` at 120 a page when inactivity or
licences are asked for, user-list.md; a tenant without Entra ID P1 refuses it and the listing
restarts at 999 without), consumed a page at a time into tallies that keep counts and only the
flagged rows, so memory stays flat as users grow. Beside it, read once: the registration report
(by user id: one small tuple per user is held for the tenant), security defaults and the
Conditional Access policies with the groups and roles they name, `/subscribedSkus`,
`/directory/subscriptions`, and the shared mailboxes when an Exchange client is given. What
cannot be known is a sentence in `TenantDigest.unknown`, never an exception, except a tenant
whose users cannot be listed at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from commands.kit.context import Progress
from commands.queries.inactivity import InactiveDigest, InactiveTally, Seats
from commands.queries.licence_waste import (
    LicenseDigest,
    LicenseTally,
    ProductRow,
    expiring,
    read_skus,
    read_subscriptions,
)
from commands.queries.mfa_coverage import MfaClass, MfaDigest, MfaTally
from commands.queries.mfa_policies import read_policies
from commands.queries.roster import Registered, read_registration, unreadable, user_pages
from core.errors import IntegrationError
from integrations.exchange.client import ExchangeClient
from integrations.graph import GraphClient
from integrations.graph.directory import SignIns, Sku, User

__all__ = ["DigestKind", "DigestOptions", "TenantDigest", "read_tenant_digest"]


class DigestKind(StrEnum):
    MFA = "mfa"
    INACTIVE = "inactive"
    LICENSES = "licenses"


@dataclass(frozen=True)
class DigestOptions:
    inactive_days: int = 90
    guests: bool = False
    """Include guests in the MFA digest."""
    expiring_days: int = 30
    """Subscriptions expiring within this many days."""
    prices: Mapping[str, float] = field(default_factory=dict)
    """skuPartNumber -> monthly price per seat."""
    currency: str = "EUR"


@dataclass(frozen=True)
class TenantDigest:
    mfa: MfaDigest | None
    inactive: InactiveDigest | None
    licenses: LicenseDigest | None
    unknown: tuple[str, ...]
    """What could not be known and why, as sentences."""

    def metrics(self) -> dict[str, float]:
        found: dict[str, float] = {}
        if self.mfa is not None:
            found["mfa_coverage_pct"] = self.mfa.coverage_pct
            found["without_mfa"] = len(self.mfa.without_mfa)
        if self.inactive is not None:
            found["inactive"] = len(self.inactive.rows)
        if self.licenses is not None:
            found["wasted_seats"] = self.licenses.wasted_seats
            found["waste_cost"] = round(self.licenses.waste_cost, 2)
        return found

    def flagged(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        if self.mfa is not None:
            rows = self.mfa.rows
            found["without_mfa"] = _upns(r.upn for r in self.mfa.without_mfa)
            for key, kind in (
                ("registered_not_enforced", MfaClass.REGISTERED_NOT_ENFORCED),
                ("enforced_not_registered", MfaClass.ENFORCED_NOT_REGISTERED),
            ):
                found[key] = _upns(r.upn for r in rows if r.mfa_class is kind)
        if self.inactive is not None:
            found["inactive"] = _upns(r.upn for r in self.inactive.rows)
        if self.licenses is not None:
            found["wasted"] = _upns(r.upn for r in self.licenses.wasted)
        return found


def _upns(upns: Any) -> tuple[str, ...]:
    return tuple(sorted(upns, key=str.casefold))


def _part_number(sku_id: str, part_number: str) -> str:
    return part_number or sku_id


async def read_tenant_digest(
    graph: GraphClient,
    kinds: frozenset[DigestKind],
    options: DigestOptions,
    *,
    now: datetime,
    progress: Progress,
    exchange: ExchangeClient | None = None,
    names: Callable[[str, str], str] = _part_number,
) -> TenantDigest:
    """The digests of `kinds` for one tenant; `names(skuId, skuPartNumber)` names a product
    (`ctx.products.name`)."""
    mfa = DigestKind.MFA in kinds
    sign_ins = bool(kinds & {DigestKind.INACTIVE, DigestKind.LICENSES})
    unknown: list[str] = []
    started = _Reads(graph, exchange, mfa=mfa, licences=sign_ins, subs=DigestKind.LICENSES in kinds)
    progress.start("Reading users", None)
    try:
        shared = await started.shared(unknown) if mfa or sign_ins else frozenset()
        skus = await started.skus(unknown)
        seats = Seats(
            lambda sku: names(sku, skus.get(sku, Sku(sku, "", 0, 0, "")).part_number),
            {sku_id: sku.part_number for sku_id, sku in skus.items()},
            options.prices,
        )
        mfa_tally = await started.mfa_tally(unknown, options, shared) if mfa else None
        idle = InactiveTally(now, options.inactive_days, seats, shared, options.currency)
        waste = LicenseTally(now, options.inactive_days, seats, shared)
        problem = ""
        async for page in user_pages(graph, server_filter="", sign_ins=sign_ins):
            problem = page.problem
            users = [
                (User.from_graph(i), SignIns.from_graph(i) if page.sign_ins else None)
                for i in page.items
            ]
            if mfa_tally is not None:
                await mfa_tally.add([u for u, _ in users])
            for user, activity in users:
                if activity is not None:
                    idle.add(user, activity)
                waste.add(user, activity)
            progress.advance(len(users))
        if problem:
            unknown.append(
                f"Sign-in activity: {problem}; inactive accounts cannot be told, "
                "and licence waste counts only blocked accounts."
            )
        return TenantDigest(
            mfa=mfa_tally.digest() if mfa_tally is not None else None,
            inactive=(
                None
                if DigestKind.INACTIVE not in kinds
                else idle.digest()
                if not problem
                else InactiveDigest(options.inactive_days, 0, (), 0, 0, 0.0, (), options.currency)
            ),
            licenses=(
                waste.digest(
                    _products(skus, names, options.prices),
                    await started.expiring(unknown, now, options.expiring_days, names),
                    options.currency,
                )
                if DigestKind.LICENSES in kinds
                else None
            ),
            unknown=tuple(unknown),
        )
    finally:
        started.cancel()
        progress.finish()


def _products(
    skus: Mapping[str, Sku], names: Callable[[str, str], str], prices: Mapping[str, float]
) -> tuple[ProductRow, ...]:
    rows = [
        ProductRow(
            sku_id=sku.sku_id,
            part_number=sku.part_number,
            name=names(sku.sku_id, sku.part_number),
            purchased=sku.enabled,
            assigned=sku.consumed,
            available=sku.available,
            price=prices.get(sku.part_number),
        )
        for sku in skus.values()
    ]
    return tuple(sorted(rows, key=lambda r: r.name.casefold()))


class _Reads:
    """The tenant-wide reads, started at once so they run beside the users listing."""

    def __init__(
        self,
        graph: GraphClient,
        exchange: ExchangeClient | None,
        *,
        mfa: bool,
        licences: bool,
        subs: bool,
    ) -> None:
        self._graph = graph
        self._tasks: list[asyncio.Task[Any]] = []
        self._policies = self._start(read_policies(graph)) if mfa else None
        self._report = self._start(read_registration(graph)) if mfa else None
        self._skus = self._start(read_skus(graph)) if licences else None
        self._subs = self._start(read_subscriptions(graph)) if subs else None
        self._shared = self._start(exchange.shared_mailboxes()) if exchange else None

    def _start(self, work: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self._tasks.append(task)
        return task

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def shared(self, unknown: list[str]) -> frozenset[str]:
        if self._shared is None:
            unknown.append("Shared mailboxes: not told apart (no Exchange Online connection).")
            return frozenset()
        try:
            return frozenset(m.external_directory_object_id for m in await self._shared)
        except IntegrationError as error:
            unknown.append(f"Shared mailboxes: not told apart ({unreadable(error).why}).")
            return frozenset()

    async def skus(self, unknown: list[str]) -> dict[str, Sku]:
        if self._skus is None:
            return {}
        found = await self._skus
        if not isinstance(found, list):
            unknown.append(f"Licences: products not read ({found.why}).")
            return {}
        return {sku.sku_id: sku for sku in found}

    async def mfa_tally(
        self, unknown: list[str], options: DigestOptions, shared: frozenset[str]
    ) -> MfaTally:
        assert self._policies is not None and self._report is not None
        policies = await self._policies
        report: Mapping[str, Registered] | None = await self._report
        unknown.extend(policies.unknown)
        if report is None:
            unknown.append(
                "MFA registration: the registration report needs Microsoft Entra ID P1 and "
                "AuditLog.Read.All; each user's methods were read instead."
            )
        return MfaTally(self._graph, policies, report, guests=options.guests, shared=shared)

    async def expiring(
        self, unknown: list[str], now: datetime, days: int, names: Callable[[str, str], str]
    ) -> tuple[Any, ...]:
        if self._subs is None:
            return ()
        found = await self._subs
        if not isinstance(found, list):
            unknown.append(f"Subscriptions: not read ({found.why}).")
            return ()
        return expiring(found, now, days, names)
