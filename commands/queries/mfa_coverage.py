"""MFA coverage per user: registered (the registration report, else each user's methods) against
enforced (security defaults, Conditional Access, else the per-user MFA state), tallied a page
of users at a time so that only the users a manager must act on are kept.

The per-user state (`MfaStates`, beta `$batch`) is read only for users neither security
defaults nor a Conditional Access policy already enforce: "enabled" and "enforced" both make the
user do MFA at the next sign-in (the state "enabled" registers them first).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from commands.queries.conditional_access import Enforcement, Verdict
from commands.queries.mfa_policies import TenantPolicies
from commands.queries.registration_report import RegistrationReport
from commands.queries.roster import Registered, Unreadable, registration_from_methods
from commands.queries.roster_extras import MfaStates
from integrations.graph import GraphClient
from integrations.graph.directory import User

__all__ = [
    "PAGES_WAITING",
    "PER_USER_MFA",
    "MfaClass",
    "MfaDigest",
    "MfaRow",
    "MfaTally",
    "classify",
]

PER_USER_MFA = "per-user MFA"
PAGES_WAITING = 4
"""Pages of users being counted at most (waiting for their report rows or MFA states) before
`MfaTally.add` holds the listing back: the report lags the listing by a page in six or so
(about 100 rows a round trip against 120 users), so this bounds memory without lengthening
a read the report's pages already make that long."""
_ENFORCING_STATES = frozenset({"enabled", "enforced"})


class MfaClass(StrEnum):
    COVERED = "covered"
    REGISTERED_NOT_ENFORCED = "registered-not-enforced"
    ENFORCED_NOT_REGISTERED = "enforced-not-registered"
    PARTLY = "partly"
    NEITHER = "neither"
    UNKNOWN = "unknown"


def classify(registered: bool | None, enforcement: Enforcement) -> MfaClass:
    if enforcement is Enforcement.PARTLY:
        return MfaClass.PARTLY
    if registered is None or enforcement is Enforcement.UNKNOWN:
        return MfaClass.UNKNOWN
    if enforcement is Enforcement.ENFORCED:
        return MfaClass.COVERED if registered else MfaClass.ENFORCED_NOT_REGISTERED
    return MfaClass.REGISTERED_NOT_ENFORCED if registered else MfaClass.NEITHER


@dataclass(frozen=True)
class MfaRow:
    """A counted user whose MFA is not both registered and enforced."""

    id: str
    upn: str
    display_name: str
    guest: bool
    registered: bool | None
    """None: neither the report nor the user's methods could be read."""
    capable: bool | None
    methods: tuple[str, ...]
    enforcement: Enforcement
    enforced_by: tuple[str, ...]
    """"security defaults", policy names, "per-user MFA"; for PARTLY the partial policies."""
    per_user_state: str
    """disabled / enabled / enforced; "" when not read (already enforced) or unreadable."""
    mfa_class: MfaClass


@dataclass(frozen=True)
class MfaDigest:
    counted: int
    """Enabled accounts, shared mailboxes left out when known, guests only when asked for."""
    covered: int
    by_class: Mapping[str, int]
    """Counted users per `MfaClass` value, every class present."""
    rows: tuple[MfaRow, ...]
    """Every counted user not covered, by UPN."""
    disabled: int
    shared: int
    guests: int
    guests_included: bool
    security_defaults: bool | None
    policies: tuple[str, ...]
    """The enabled Conditional Access policies that require MFA."""

    @property
    def coverage_pct(self) -> float:
        return round(100.0 * self.covered / self.counted, 1) if self.counted else 100.0

    @property
    def without_mfa(self) -> tuple[MfaRow, ...]:
        """Users who can sign in without MFA or have none to give: not covered, not unknown."""
        return tuple(r for r in self.rows if r.mfa_class is not MfaClass.UNKNOWN)


class MfaTally:
    """Counts pages of users into an `MfaDigest`, keeping only the rows not covered.

    `add` takes a page as it is listed and returns at once (unless `PAGES_WAITING` pages are
    still being counted): the page's per-user MFA states and its registration (the report's
    rows, else each user's methods) are read by a task started with `spawn`, which counts the
    page when both are known, so the next page is listed meanwhile; `digest` waits for those
    tasks. The caller owns them (and cancels them when the
    read fails)."""

    def __init__(
        self,
        graph: GraphClient,
        policies: TenantPolicies,
        report: RegistrationReport,
        *,
        guests: bool,
        shared: frozenset[str],
        spawn: Callable[[Coroutine[Any, Any, None]], asyncio.Future[None]],
    ) -> None:
        self._graph, self._policies, self._report = graph, policies, report
        self._guests, self._shared, self._spawn = guests, shared, spawn
        self._states = MfaStates(graph)
        self._pages: list[asyncio.Future[None]] = []
        self._rows: list[MfaRow] = []
        self._counts = dict.fromkeys(MfaClass, 0)
        self._disabled = self._shared_seen = self._guests_seen = 0

    async def add(self, users: Sequence[User]) -> None:
        """Starts counting a page; waits only while `PAGES_WAITING` pages already are (their
        report rows lag behind the listing), so that the pages held stay few."""
        counted = [u for u in users if self._counts_user(u)]
        verdicts = {u.id: self._policies.verdict(u.id, guest=u.guest) for u in counted}
        open_ids = [i for i, v in verdicts.items() if v.enforcement is not Enforcement.ENFORCED]
        # Every listed user's row is taken, counted or not, so that none stays held.
        listed = [u.id for u in users]
        self._pages.append(self._spawn(self._count(counted, verdicts, open_ids, listed)))
        waiting = [page for page in self._pages if not page.done()]
        if len(waiting) > PAGES_WAITING:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)

    async def _count(
        self,
        counted: Sequence[User],
        verdicts: Mapping[str, Verdict],
        open_ids: Sequence[str],
        listed: Sequence[str],
    ) -> None:
        states, registered = await asyncio.gather(
            self._states.read(open_ids), self._registration(listed, [u.id for u in counted])
        )
        for user in counted:
            self._add(user, verdicts[user.id], states.get(user.id), registered.get(user.id))

    async def digest(self) -> MfaDigest:
        """Once every page added is counted."""
        await asyncio.gather(*self._pages)
        return self._digest()

    def _digest(self) -> MfaDigest:
        return MfaDigest(
            counted=sum(self._counts.values()),
            covered=self._counts[MfaClass.COVERED],
            by_class={str(k): v for k, v in self._counts.items()},
            rows=tuple(sorted(self._rows, key=lambda r: r.upn.casefold())),
            disabled=self._disabled,
            shared=self._shared_seen,
            guests=self._guests_seen,
            guests_included=self._guests,
            security_defaults=self._policies.security_defaults,
            policies=tuple(p.name for p in self._policies.policies or ()),
        )

    def _counts_user(self, user: User) -> bool:
        # A shared mailbox's account is disabled by design: it counts as shared, not disabled.
        if user.id in self._shared:
            self._shared_seen += 1
            return False
        if not user.enabled:
            self._disabled += 1
            return False
        if user.guest:
            self._guests_seen += 1
            return self._guests
        return True

    async def _registration(
        self, listed: Sequence[str], counted: Sequence[str]
    ) -> Mapping[str, Registered | Unreadable]:
        found = await self._report.rows(listed)
        if found is not None:
            return found
        return await registration_from_methods(self._graph, counted) if counted else {}

    def _add(
        self,
        user: User,
        verdict: Verdict,
        state: str | Unreadable | None,
        registered: Registered | Unreadable | None,
    ) -> None:
        enforcement, by = verdict.enforcement, verdict.by
        if isinstance(state, str) and state in _ENFORCING_STATES:
            enforcement, by = Enforcement.ENFORCED, (*by, f"{PER_USER_MFA} ({state})")
        elif isinstance(state, Unreadable) and enforcement is Enforcement.NOT:
            enforcement = Enforcement.UNKNOWN
        known = registered if isinstance(registered, Registered) else None
        mfa_class = classify(None if known is None else known.mfa, enforcement)
        self._counts[mfa_class] += 1
        if mfa_class is MfaClass.COVERED:
            return
        self._rows.append(
            MfaRow(
                id=user.id,
                upn=user.upn,
                display_name=user.display_name,
                guest=user.guest,
                registered=None if known is None else known.mfa,
                capable=None if known is None else known.capable,
                methods=() if known is None else known.methods,
                enforcement=enforcement,
                enforced_by=by,
                per_user_state=state if isinstance(state, str) else "",
                mfa_class=mfa_class,
            )
        )
