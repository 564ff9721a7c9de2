"""What a command may reach besides Graph: the audit log, the role grants, the tenant guards,
the digests' trends and schedules, and the other tenants' clients (for `--all`).

Each is a protocol the bot layer implements and the router hands over on the command context,
so commands never import `bot/`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from commands.kit.registry import Role
from core.identity import Actor, TenantInfo

if TYPE_CHECKING:
    from integrations.exchange import ExchangeClient
    from integrations.graph import GraphClient

__all__ = [
    "AuditReader",
    "AuditRow",
    "GrantBook",
    "GrantEntry",
    "GuardBook",
    "GuardView",
    "HeldRoles",
    "NewSchedule",
    "ScheduleBook",
    "ScheduleView",
    "Snapshot",
    "TenantClients",
    "TrendBook",
]


class AuditRow(Protocol):
    """What /audit shows of a stored entry."""

    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def command(self) -> str: ...
    @property
    def target(self) -> str | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def tenant(self) -> str | None: ...
    @property
    def approval(self) -> str | None:
        """Who approved (or confirmed) an action."""
        ...

    @property
    def reason(self) -> str | None:
        """The reason or ticket number given with the action."""
        ...


class AuditReader(Protocol):
    """Reads the audit log, newest first, every filter given narrowing it."""

    async def recent(
        self,
        *,
        tenant: str | None,
        actor: str | None,
        target: str | None,
        since: datetime | None,
        limit: int,
    ) -> Sequence[AuditRow]: ...


@dataclass(frozen=True)
class GrantEntry:
    """One role held by one person in one tenant, as /grants lists it."""

    who: str
    tenant: str
    role: str
    source: str
    """`config` (deskhand.toml or a console operator) or `granted` (with /grant)."""
    granted_by: str
    granted_at: datetime | None


class HeldRoles(Protocol):
    def granted(self, tenant: str) -> frozenset[Role]:
        """Roles given for this tenant name, or for "*" those given in every tenant."""
        ...


class GrantBook(Protocol):
    """Configured and stored roles, as the grant commands see them."""

    async def for_actor(self, actor: Actor) -> HeldRoles: ...

    def configured(self, who: str, tenant: str, role: Role) -> bool: ...

    async def grant(self, who: str, tenant: str, role: Role, *, by: str, now: datetime) -> bool:
        """False when the stored grant was already there."""
        ...

    async def revoke(self, who: str, tenant: str, role: Role) -> bool:
        """False when there was no such stored grant."""
        ...

    async def listing(
        self, *, tenants: Collection[str] | None, who: str | None
    ) -> Sequence[GrantEntry]: ...


class GuardView(Protocol):
    @property
    def destructive_enabled(self) -> bool: ...
    @property
    def changed_by(self) -> str: ...
    @property
    def changed_at(self) -> datetime | None: ...
    @property
    def note(self) -> str: ...


class GuardBook(Protocol):
    """The tenants' switches; a tenant never switched is on."""

    async def states(self, tenants: Collection[str]) -> Mapping[str, GuardView]: ...

    async def switch(
        self, tenant: str, *, enabled: bool, by: str, now: datetime, note: str
    ) -> GuardView: ...


@dataclass(frozen=True)
class Snapshot:
    """One tenant's digest figures on one day: what the next digest compares itself with."""

    tenant: str
    kind: str
    day: date
    metrics: Mapping[str, float]
    """`TenantDigest.metrics()`: mfa_coverage_pct, without_mfa, inactive, wasted_seats …"""
    flagged: Mapping[str, tuple[str, ...]]
    """`TenantDigest.flagged()`: the UPNs behind each count, for "+3 users without MFA: …"."""
    taken_at: datetime


class TrendBook(Protocol):
    """The digests' daily snapshots, one per tenant, kind and day."""

    async def record(self, snapshot: Snapshot) -> None:
        """Stores the day's snapshot; a later one on the same day replaces it."""
        ...

    async def previous(self, tenant: str, kind: str, before: date) -> Snapshot | None:
        """The latest snapshot taken on a day before `before`."""
        ...

    async def history(self, tenant: str, kind: str, since: date) -> list[Snapshot]:
        """The snapshots from `since` on, oldest first."""
        ...


class TenantClients(Protocol):
    """Any visible tenant's clients, for a command that reads several tenants (`--all`)."""

    def graph(self, tenant: TenantInfo) -> GraphClient:
        """Raises UserError when Deskhand has no Graph client for the tenant."""
        ...

    def exchange(self, tenant: TenantInfo) -> ExchangeClient | None: ...


@dataclass(frozen=True)
class NewSchedule:
    """A schedule as /schedule add asks for it; the book validates it."""

    command: str
    cron: str
    tz: str
    recipients: tuple[str, ...]
    name: str | None = None
    """Derived from the command when not given."""


@dataclass(frozen=True)
class ScheduleView:
    """One schedule as /schedule list shows it."""

    name: str
    command: str
    cron: str
    tz: str
    recipients: tuple[str, ...]
    owner: str
    source: str
    """`chat` (made with /schedule add) or `config` (deskhand.toml)."""
    next_run: datetime | None
    """In the schedule's time zone."""
    last_run: datetime | None
    last_result: str
    """What the ledger says of the last run: "3 sent", "stopped: …", "" when none ran."""


class ScheduleBook(Protocol):
    """The digest schedules, stored with the scheduler that runs them."""

    async def add(
        self,
        new: NewSchedule,
        owner: Actor,
        *,
        channel: str,
        return_address: Mapping[str, str],
        now: datetime,
    ) -> ScheduleView:
        """Raises UserError for a bad cron, time zone, recipient or command, or a name taken."""
        ...

    async def listing(self, now: datetime) -> Sequence[ScheduleView]: ...

    async def remove(self, name: str) -> ScheduleView:
        """Raises NotFound for an unknown name; configured ones are removed in deskhand.toml."""
        ...

    async def run_now(self, name: str, now: datetime) -> str:
        """Runs the schedule once now: a sentence saying what became of it."""
        ...
