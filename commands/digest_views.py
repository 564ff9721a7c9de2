"""How /digest draws each kind of digest: its facts, its tables (people under a column named
exactly "UPN", which the managers' split filters on), the words of its change lines, its chart
and its rows as data (Graph's property names)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commands.kit.formatting import ago, counted, iso_or_null
from commands.queries.digests import DigestKind, TenantDigest
from commands.queries.inactivity import NEVER, InactiveDigest
from commands.queries.licence_waste import LicenseDigest
from commands.queries.mfa_coverage import MfaClass, MfaDigest

__all__ = ["KindView", "ViewTable", "kind_view"]


@dataclass(frozen=True)
class ViewTable:
    title: str
    slug: str
    """Names the attached file: "<tenant>-<kind>-<slug>-<time>.csv"."""
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class KindView:
    title: str
    facts: tuple[tuple[str, str], ...]
    tables: tuple[ViewTable, ...]
    notes: tuple[str, ...]
    """Information beside the tables (prices missing …)."""
    rows: list[dict[str, Any]]
    """The people, for `Reply.data`."""
    flag_words: Mapping[str, tuple[str, str]]
    """`TenantDigest.flagged()` key -> (singular, plural) for the change lines."""
    chart_title: str
    chart_label: str


def kind_view(kind: DigestKind, digest: TenantDigest, now: datetime) -> KindView:
    if kind is DigestKind.MFA and digest.mfa is not None:
        return _mfa(digest.mfa)
    if kind is DigestKind.INACTIVE and digest.inactive is not None:
        return _inactive(digest.inactive, now)
    if kind is DigestKind.LICENSES and digest.licenses is not None:
        return _licenses(digest.licenses, now)
    raise ValueError(f"the digest holds no {kind} part")


# --- MFA -------------------------------------------------------------------------------------

_CLASS_WORDS = {
    MfaClass.REGISTERED_NOT_ENFORCED: "registered, not enforced",
    MfaClass.ENFORCED_NOT_REGISTERED: "enforced, not registered",
    MfaClass.PARTLY: "partly enforced",
    MfaClass.NEITHER: "neither registered nor enforced",
    MfaClass.UNKNOWN: "unknown",
    MfaClass.COVERED: "covered",
}
# The two a manager must act on first, then the rest.
_CLASS_ORDER = {kind: n for n, kind in enumerate(_CLASS_WORDS)}


def _mfa(mfa: MfaDigest) -> KindView:
    left_out = [f"{mfa.disabled} disabled", f"{mfa.shared} shared mailboxes"]
    if not mfa.guests_included:
        left_out.append(f"{mfa.guests} guests (--guests counts them)")
    enforcers = (["security defaults"] if mfa.security_defaults else []) + list(mfa.policies)
    facts = (
        ("MFA coverage", f"{mfa.coverage_pct:g} % ({mfa.covered} of {mfa.counted})"),
        *(
            (_CLASS_WORDS[kind].capitalize(), str(mfa.by_class.get(kind.value, 0)))
            for kind in _CLASS_WORDS
            if kind is not MfaClass.COVERED
        ),
        ("Enforced by", ", ".join(enforcers) or "nothing tenant-wide"),
        ("Not counted", ", ".join(left_out)),
    )
    rows = sorted(mfa.rows, key=lambda r: (_CLASS_ORDER[r.mfa_class], r.upn.casefold()))
    table = ViewTable(
        "Not covered by MFA",
        "not-covered",
        ("name", "UPN", "status", "methods", "enforced by"),
        tuple(
            (
                r.display_name,
                r.upn,
                _CLASS_WORDS[r.mfa_class],
                ", ".join(r.methods) or ("unknown" if r.registered is None else "none"),
                ", ".join(r.enforced_by) or "-",
            )
            for r in rows
        ),
    )
    data = [
        {
            "id": r.id,
            "userPrincipalName": r.upn,
            "displayName": r.display_name,
            "userType": "Guest" if r.guest else "Member",
            "isMfaRegistered": r.registered,
            "isMfaCapable": r.capable,
            "methodsRegistered": list(r.methods),
            "perUserMfaState": r.per_user_state or None,
            "mfaEnforcement": r.enforcement.value,
            "enforcedBy": list(r.enforced_by),
            "mfaClass": r.mfa_class.value,
        }
        for r in rows
    ]
    return KindView(
        title="MFA coverage",
        facts=facts,
        tables=(table,) if rows else (),
        notes=() if rows else ("Every counted account is registered for MFA and made to use it.",),
        rows=data,
        flag_words={
            "without_mfa": ("user without MFA", "users without MFA"),
            "registered_not_enforced": ("registered but not enforced",) * 2,
            "enforced_not_registered": ("enforced but not registered",) * 2,
        },
        chart_title="MFA coverage",
        chart_label="% of accounts",
    )


# --- inactive accounts -----------------------------------------------------------------------


def _inactive(idle: InactiveDigest, now: datetime) -> KindView:
    never = sum(1 for r in idle.rows if r.reason == NEVER)
    facts = (
        ("Inactive", f"{len(idle.rows)} of {idle.checked} accounts ({idle.days} days or more)"),
        ("Never signed in", str(never)),
        ("Still licensed", f"{counted(idle.licensed, 'account')}, {counted(idle.seats, 'seat')}"),
        ("Their licences cost", _cost(idle.monthly_cost, idle.currency, idle.unpriced)),
    )
    table = ViewTable(
        "Inactive accounts",
        "inactive",
        ("name", "UPN", "last active", "created", "licences", "cost"),
        tuple(
            (
                r.display_name,
                r.upn,
                ago(r.last_activity, now),
                f"{r.created:%Y-%m-%d}" if r.created else "-",
                ", ".join(r.licences) or "none",
                _cost(r.monthly_cost, idle.currency, r.unpriced) if r.licences else "-",
            )
            for r in idle.rows
        ),
    )
    data = [
        {
            "id": r.id,
            "userPrincipalName": r.upn,
            "displayName": r.display_name,
            "userType": "Guest" if r.guest else "Member",
            "reason": "neverSignedIn" if r.reason == NEVER else "inactive",
            "lastActivityDateTime": iso_or_null(r.last_activity),
            "createdDateTime": iso_or_null(r.created),
            "licenseNames": list(r.licences),
            "monthlyCost": r.monthly_cost,
        }
        for r in idle.rows
    ]
    return KindView(
        title="Inactive accounts",
        facts=facts,
        tables=(table,) if idle.rows else (),
        notes=_unpriced(idle.unpriced),
        rows=data,
        flag_words={"inactive": ("inactive account", "inactive accounts")},
        chart_title="Inactive accounts",
        chart_label="accounts",
    )


# --- licences --------------------------------------------------------------------------------


def _licenses(licences: LicenseDigest, now: datetime) -> KindView:
    currency = licences.currency
    facts = (
        ("Wasted seats", str(licences.wasted_seats)),
        ("Their cost", _cost(licences.waste_cost, currency, licences.unpriced)),
        ("Subscriptions ending soon", str(len(licences.expiring))),
    )
    products = ViewTable(
        "Products",
        "products",
        ("product", "purchased", "assigned", "available", "price a seat"),
        tuple(
            (
                p.name,
                str(p.purchased),
                str(p.assigned),
                str(p.available),
                "-" if p.price is None else _money(p.price, currency),
            )
            for p in licences.products
        ),
    )
    wasted = ViewTable(
        "Licensed but blocked or inactive",
        "wasted",
        ("name", "UPN", "why", "last active", "licences", "cost"),
        tuple(
            (
                r.display_name,
                r.upn,
                r.reason,
                ago(r.last_activity, now),
                ", ".join(r.licences),
                _cost(r.monthly_cost, currency, r.unpriced),
            )
            for r in licences.wasted
        ),
    )
    ending = ViewTable(
        "Subscriptions ending soon",
        "ending",
        ("product", "status", "licences", "next change"),
        tuple(
            (
                s.name + (" (trial)" if s.trial else ""),
                s.status,
                str(s.licences),
                f"{s.next_lifecycle:%Y-%m-%d}" if s.next_lifecycle else "-",
            )
            for s in licences.expiring
        ),
    )
    data = [
        {
            "id": r.id,
            "userPrincipalName": r.upn,
            "displayName": r.display_name,
            "reason": r.reason,
            "lastActivityDateTime": iso_or_null(r.last_activity),
            "licenseNames": list(r.licences),
            "monthlyCost": r.monthly_cost,
        }
        for r in licences.wasted
    ]
    return KindView(
        title="Licences",
        facts=facts,
        tables=tuple(t for t in (products, wasted, ending) if t.rows),
        notes=_unpriced(licences.unpriced),
        rows=data,
        flag_words={"wasted": ("licensed account blocked or inactive",) * 2},
        chart_title="Wasted seats",
        chart_label="seats",
    )


def _money(amount: float, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _cost(amount: float, currency: str, unpriced: tuple[str, ...]) -> str:
    """A month's cost; with a product of no configured price it is only a lower bound, and
    with nothing priced it is not known at all: never a made-up 0.00."""
    if not unpriced:
        return f"{_money(amount, currency)} a month"
    if amount == 0:
        return "unknown (no price set)"
    return f"at least {_money(amount, currency)} a month"


def _unpriced(parts: tuple[str, ...]) -> tuple[str, ...]:
    if not parts:
        return ()
    return (
        f"No price for {', '.join(parts)}: their seats count, their cost does not. "
        "Add them under [digests.prices] in deskhand.toml.",
    )
