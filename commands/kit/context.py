"""What a command handler receives besides its arguments: who asks, for which tenant, with what."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from commands.kit.digests import DigestDefaults
from commands.kit.offboarding import OffboardDefaults
from commands.kit.pacing import Pacing
from core.errors import UserError
from core.identity import Actor, TenantInfo

if TYPE_CHECKING:
    from cards.reply import Reply
    from commands.kit.registry import CommandSpec
    from commands.kit.services import (
        AuditReader,
        GrantBook,
        GuardBook,
        ScheduleBook,
        TenantClients,
        TrendBook,
    )
    from integrations.exchange import ExchangeClient
    from integrations.graph import GraphClient
    from integrations.graph.products import ProductCatalog
    from integrations.sharepoint import SharePointClient

__all__ = [
    "Actor",
    "Approvals",
    "CommandContext",
    "Progress",
    "TenantInfo",
    "nothing_to_verify",
    "silent_progress",
]


class Progress(Protocol):
    """Long work reports progress; the console draws a bar, chat updates a card."""

    def start(self, label: str, total: int | None) -> None: ...

    def advance(self, count: int = 1) -> None: ...

    def finish(self) -> None: ...


class _SilentProgress:
    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


silent_progress: Progress = _SilentProgress()


async def nothing_to_verify() -> None:
    """For channels whose actor is never cached (the console): nothing to ask again."""


class Approvals(Protocol):
    """The pending-action desk, as commands such as /approve and /pending see it."""

    async def decide(self, action_id: str, verb: str, ctx: CommandContext, note: str) -> Reply:
        """`verb` is confirm, cancel, approve or deny; `note` is a denial's reason."""
        ...

    async def waiting(self, ctx: CommandContext) -> Reply:
        """The actions waiting on, or started by, the person asking."""
        ...

    async def jobs_list(self, ctx: CommandContext, *, mine: bool, tenant: str | None) -> Reply:
        """Recent and running actions and jobs in the tenants the person sees."""
        ...

    async def job(self, ctx: CommandContext, job_id: str) -> Reply:
        """One job's card, with its steps."""
        ...

    async def retry_step(self, ctx: CommandContext, job_id: str, position: int) -> Reply:
        """Runs a failed step again, with the steps not run because of it."""
        ...

    async def undo_job(self, ctx: CommandContext, job_id: str) -> Reply:
        """Puts back what the job's steps changed, where that can be done."""
        ...


@dataclass(frozen=True)
class CommandContext:
    actor: Actor
    tenants: tuple[TenantInfo, ...]
    allowed_commands: Callable[[], list[CommandSpec]]
    products: ProductCatalog
    tenant: TenantInfo | None = None
    graph_client: GraphClient | None = None
    audit_reader: AuditReader | None = None
    progress: Progress = silent_progress
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    request_id: str = ""
    channel: str = ""
    """Where the request came from: console, slack or teams."""
    private: bool = False
    """Only the requester sees this conversation: a typed secret may be accepted here."""
    protected_accounts: frozenset[str] = frozenset()
    """The current tenant's configured break-glass accounts (lower-case UPNs or object ids)."""
    approvals: Approvals | None = None
    grants: GrantBook | None = None
    """Configured and stored roles, for /grant, /revoke-grant, /grants and /guard."""
    guards: GuardBook | None = None
    """The tenants' destructive-action switches, for /guard."""
    schedules: ScheduleBook | None = None
    """The digest schedules, for /schedule."""
    return_address: Mapping[str, str] = field(default_factory=dict)
    """Where the requester's channel can tell them something later (`Invocation`'s)."""
    exchange_client: ExchangeClient | None = None
    """The current tenant's Exchange Online admin API client."""
    sharepoint_client: SharePointClient | None = None
    """The current tenant's SharePoint Online admin API client (OneDrive hand-over)."""
    pacing: Pacing = field(default_factory=Pacing)
    """How long an executor waits for its change to show when reading it back."""
    offboard: OffboardDefaults = field(default_factory=OffboardDefaults)
    """The current tenant's /offboard defaults: what a toggle not given does."""
    digests: DigestDefaults = field(default_factory=DigestDefaults)
    """/digest's defaults: the inactivity threshold, guests, licence prices."""
    trends: TrendBook | None = None
    """The digests' daily snapshots; None: a Deskhand without a store keeps no trends."""
    tenant_clients: TenantClients | None = None
    """Every visible tenant's clients, for commands that read several tenants (`--all`)."""
    verify_actor: Callable[[], Awaitable[None]] = field(default=nothing_to_verify, repr=False)
    """Asks the chat platform afresh whether `actor` may still act; raises AccessDenied if
    not (a deactivated account). The approvals desk calls it before every decision."""

    @property
    def current_tenant(self) -> TenantInfo:
        """The tenant the command works on; only commands with a `tenant` argument have one."""
        if self.tenant is None:
            raise UserError("This command needs a tenant: add --tenant NAME (see /tenants).")
        return self.tenant

    @property
    def audit(self) -> AuditReader:
        if self.audit_reader is None:
            raise UserError("This Deskhand keeps no audit log.")
        return self.audit_reader

    @property
    def desk(self) -> Approvals:
        if self.approvals is None:
            raise UserError("This Deskhand runs no destructive commands, so nothing awaits you.")
        return self.approvals

    @property
    def exchange(self) -> ExchangeClient:
        """The current tenant's Exchange Online client."""
        if self.exchange_client is None:
            raise UserError(
                f"Deskhand has no Exchange Online client for {self.current_tenant.name}."
            )
        return self.exchange_client

    @property
    def sharepoint(self) -> SharePointClient:
        """The current tenant's SharePoint Online admin client."""
        if self.sharepoint_client is None:
            raise UserError(
                f"Deskhand has no SharePoint Online client for {self.current_tenant.name}."
            )
        return self.sharepoint_client

    @property
    def graph(self) -> GraphClient:
        """The current tenant's Graph client."""
        if self.graph_client is None:
            raise UserError(f"Deskhand has no Graph client for {self.current_tenant.name}.")
        return self.graph_client
