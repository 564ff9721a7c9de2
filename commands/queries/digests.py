"""One tenant's digests (MFA coverage, inactive accounts, licence waste) from one streamed read.

Per tenant: ONE `/users` listing (with `signInActivity` at 120 a page when inactivity or
licences are asked for, user-list.md; a tenant without Entra ID P1 refuses it and the listing
restarts at 999 without), consumed a page at a time into tallies that keep counts and only the
flagged rows, so memory stays flat as users grow. Beside it, read once: the registration report,
security defaults and the Conditional Access policies with the groups and roles they name,
`/subscribedSkus`, `/directory/subscriptions`, and the shared mailboxes when an Exchange client
is given. What cannot be known is a sentence in `TenantDigest.unknown`, never an exception,
except a tenant whose users cannot be listed at all.

Everything starts at once, and (within the bounds below) the listing waits for no round trip
but its own next page, so the read takes about max(users pages, report pages) + 1 round trips
rather than their sum:
- a page of users is counted once the tenant-wide reads it needs are in: the shared mailboxes,
  the products and the policies, a round trip or two (a few more where policies name roles).
  Pages listed before then are held as the few facts the tallies read (`User`, `SignIns`),
  never as JSON; once `_HELD_USERS` are held the listing waits for those reads. Counting in
  the loop only what those reads allow keeps the listing going meanwhile;
- the registration report is not awaited whole: `RegistrationReport` joins its rows to the
  pages by user id as both arrive, so what is held is what one has read ahead of the other
  (both run at about 100 users a round trip), not a row per user of the tenant;
- each page's per-user MFA states (only users neither security defaults nor a Conditional
  Access policy enforce, `MfaStates`: at most six `$batch`es in flight) and its wait for its
  report rows run as a task beside the listing (a few pages at most, `PAGES_WAITING`);
  `MfaTally.digest` gathers them at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

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
from commands.queries.registration_report import RegistrationReport
from commands.queries.roster import unreadable, user_pages
from core.errors import IntegrationError
from integrations.exchange.client import ExchangeClient
from integrations.graph import GraphClient
from integrations.graph.directory import SignIns, Sku, User

__all__ = ["DigestKind", "DigestOptions", "TenantDigest", "read_tenant_digest"]

_T = TypeVar("_T")
_HELD_USERS = 240
"""Users listed before the tenant-wide reads are in that are held before the listing waits for
those reads (two pages with sign-in activity, part of one without), so that memory stays
bounded however slow they are."""


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

    def only(self, kind: DigestKind) -> TenantDigest:
        """This digest with the other kinds left out, so that `metrics()` and `flagged()` give
        one kind's figures (the daily snapshot reads all three at once). `unknown` is kept
        whole: its sentences are not told apart by kind."""
        return replace(
            self,
            mfa=self.mfa if kind is DigestKind.MFA else None,
            inactive=self.inactive if kind is DigestKind.INACTIVE else None,
            licenses=self.licenses if kind is DigestKind.LICENSES else None,
        )

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
    sign_ins = bool(kinds & {DigestKind.INACTIVE, DigestKind.LICENSES})
    unknown: list[str] = []
    reads = _Reads(graph, exchange, kinds)
    progress.start("Reading users", None)
    try:
        tallies = reads.start(reads.tallies(unknown, options, now, names))
        listed: list[_Listed] = []
        problem = ""
        async for page in user_pages(graph, server_filter="", sign_ins=sign_ins):
            problem = page.problem
            listed.extend(
                (User.from_graph(i), SignIns.from_graph(i) if page.sign_ins else None)
                for i in page.items
            )
            progress.advance(len(page.items))
            # Held only until the tenant-wide reads are in (a round trip or two, not the
            # report); from then each page is counted as it comes.
            if tallies.done() or len(listed) >= _HELD_USERS:
                await (await tallies).add(listed)
                listed = []
        ready = await tallies
        await ready.add(listed)
        mfa = await ready.mfa.digest() if ready.mfa is not None else None
        if mfa is not None and not await reads.report.ended():
            unknown.append(
                "MFA registration: the registration report needs Microsoft Entra ID P1 and "
                "AuditLog.Read.All; each user's methods were read instead."
            )
        if problem:
            unknown.append(
                f"Sign-in activity: {problem}; inactive accounts cannot be told, "
                "and licence waste counts only blocked accounts."
            )
        return TenantDigest(
            mfa=mfa,
            inactive=(
                None
                if DigestKind.INACTIVE not in kinds
                else ready.idle.digest()
                if not problem
                else InactiveDigest(options.inactive_days, 0, (), 0, 0, 0.0, (), options.currency)
            ),
            licenses=(
                ready.waste.digest(
                    _products(ready.skus, names, options.prices),
                    await reads.expiring(unknown, now, options.expiring_days, names),
                    options.currency,
                )
                if DigestKind.LICENSES in kinds
                else None
            ),
            unknown=tuple(unknown),
        )
    finally:
        reads.cancel()
        progress.finish()


_Listed = tuple[User, SignIns | None]
"""A listed user: what the tallies read of it (the listing's JSON is not kept)."""


@dataclass(frozen=True)
class _Tallies:
    """Where listed users are counted, once the tenant-wide reads they need are in."""

    skus: Mapping[str, Sku]
    mfa: MfaTally | None
    idle: InactiveTally
    waste: LicenseTally

    async def add(self, users: Sequence[_Listed]) -> None:
        if self.mfa is not None:
            await self.mfa.add([user for user, _ in users])
        for user, activity in users:
            if activity is not None:
                self.idle.add(user, activity)
            self.waste.add(user, activity)


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
    """The tenant-wide reads, started at once so they run beside the users listing, and the
    tasks counting pages of users: all cancelled together when the read ends or fails."""

    def __init__(
        self, graph: GraphClient, exchange: ExchangeClient | None, kinds: frozenset[DigestKind]
    ) -> None:
        self._graph = graph
        self._kinds = kinds
        self._sign_ins = bool(kinds & {DigestKind.INACTIVE, DigestKind.LICENSES})
        self._tasks: list[asyncio.Future[Any]] = []
        mfa = DigestKind.MFA in kinds
        self.report = RegistrationReport()
        if mfa:
            self.start(self.report.read(graph))
        self._policies = self.start(read_policies(graph)) if mfa else None
        self._skus = self.start(read_skus(graph)) if self._sign_ins else None
        self._subs = self.start(read_subscriptions(graph)) if DigestKind.LICENSES in kinds else None
        self._shared = self.start(exchange.shared_mailboxes()) if exchange else None

    def start(self, work: Coroutine[Any, Any, _T]) -> asyncio.Future[_T]:
        task = asyncio.ensure_future(work)
        self._tasks.append(task)
        return task

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def tallies(
        self,
        unknown: list[str],
        options: DigestOptions,
        now: datetime,
        names: Callable[[str, str], str],
    ) -> _Tallies:
        """The tallies, once the shared mailboxes, the products and the policies are read."""
        mfa = DigestKind.MFA in self._kinds
        shared = await self._shared_ids(unknown) if mfa or self._sign_ins else frozenset()
        skus = await self._read_skus(unknown)
        seats = Seats(
            lambda sku: names(sku, skus.get(sku, Sku(sku, "", 0, 0, "")).part_number),
            {sku_id: sku.part_number for sku_id, sku in skus.items()},
            options.prices,
        )
        return _Tallies(
            skus=skus,
            mfa=await self._mfa_tally(unknown, options, shared) if mfa else None,
            idle=InactiveTally(now, options.inactive_days, seats, shared, options.currency),
            waste=LicenseTally(now, options.inactive_days, seats, shared),
        )

    async def _shared_ids(self, unknown: list[str]) -> frozenset[str]:
        if self._shared is None:
            unknown.append("Shared mailboxes: not told apart (no Exchange Online connection).")
            return frozenset()
        try:
            return frozenset(m.external_directory_object_id for m in await self._shared)
        except IntegrationError as error:
            unknown.append(f"Shared mailboxes: not told apart ({unreadable(error).why}).")
            return frozenset()

    async def _read_skus(self, unknown: list[str]) -> dict[str, Sku]:
        if self._skus is None:
            return {}
        found = await self._skus
        if not isinstance(found, list):
            unknown.append(f"Licences: products not read ({found.why}).")
            return {}
        return {sku.sku_id: sku for sku in found}

    async def _mfa_tally(
        self, unknown: list[str], options: DigestOptions, shared: frozenset[str]
    ) -> MfaTally:
        assert self._policies is not None
        policies = await self._policies
        unknown.extend(policies.unknown)
        return MfaTally(
            self._graph,
            policies,
            self.report,
            guests=options.guests,
            shared=shared,
            spawn=self.start,
        )

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
