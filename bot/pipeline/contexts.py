"""`CommandContexts`: the one place a `CommandContext` is built.

Made in the composition root and handed to the router (a request's context) and to the
approvals desk (the context a confirmed action is planned again and run in), so each is built
complete and neither reaches into the other for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.config.approvals import ApprovalSettings
from bot.pipeline.tenants import TenantDirectory
from commands.kit.context import Approvals, CommandContext, Progress
from commands.kit.digests import DigestDefaults
from commands.kit.offboarding import OffboardDefaults
from commands.kit.pacing import Pacing
from commands.kit.registry import CommandSpec
from commands.kit.services import AuditReader, GrantBook, GuardBook, ScheduleBook, TrendBook
from core.identity import Actor, TenantInfo
from integrations.graph.products import ProductCatalog

__all__ = ["CommandContexts"]


@dataclass
class CommandContexts:
    tenants: TenantDirectory
    products: ProductCatalog
    approval_settings: ApprovalSettings | None = None
    audit_reader: AuditReader | None = None
    grants: GrantBook | None = None
    guards: GuardBook | None = None
    schedules: ScheduleBook | None = None
    pacing: Pacing = field(default_factory=Pacing)
    """How long executors wait for their changes to show; tests make it instant."""
    offboard: Callable[[str], OffboardDefaults] = lambda _tenant: OffboardDefaults()
    """A tenant's /offboard defaults, by tenant name."""
    digests: DigestDefaults = field(default_factory=DigestDefaults)
    trends: TrendBook | None = None
    """The digests' daily snapshots, kept in the store."""

    def for_request(
        self,
        *,
        actor: Actor,
        visible: tuple[TenantInfo, ...],
        allowed_commands: Callable[[], list[CommandSpec]],
        tenant: TenantInfo | None,
        progress: Progress,
        request_id: str,
        channel: str,
        private: bool,
        approvals: Approvals | None,
        verify_actor: Callable[[], Awaitable[None]],
        return_address: Mapping[str, str],
    ) -> CommandContext:
        """The context a request's command runs in: what the actor may see and do."""
        return CommandContext(
            actor=actor,
            tenants=visible,
            allowed_commands=allowed_commands,
            products=self.products,
            audit_reader=self.audit_reader,
            tenant=tenant,
            graph_client=self.tenants.client(tenant) if tenant else None,
            exchange_client=self.tenants.exchange(tenant) if tenant else None,
            sharepoint_client=self.tenants.sharepoint(tenant) if tenant else None,
            progress=progress,
            request_id=request_id,
            channel=channel,
            private=private,
            protected_accounts=self.protected_accounts(tenant),
            approvals=approvals,
            grants=self.grants,
            guards=self.guards,
            schedules=self.schedules,
            pacing=self.pacing,
            offboard=self.offboard(tenant.name) if tenant else OffboardDefaults(),
            digests=self.digests,
            trends=self.trends,
            tenant_clients=self.tenants,
            verify_actor=verify_actor,
            return_address=return_address,
        )

    def for_action(
        self, actor: Actor, tenant: TenantInfo, *, request_id: str, channel: str, private: bool
    ) -> CommandContext:
        """The context a confirmed action is planned again and run in: its requester, in its
        tenant. Roles were checked when it was asked for and decided."""
        return CommandContext(
            actor=actor,
            tenants=(tenant,),
            allowed_commands=list,
            products=self.products,
            tenant=tenant,
            graph_client=self.tenants.client(tenant),
            exchange_client=self.tenants.exchange(tenant),
            sharepoint_client=self.tenants.sharepoint(tenant),
            request_id=request_id,
            channel=channel,
            private=private,
            protected_accounts=self.protected_accounts(tenant),
            pacing=self.pacing,
            offboard=self.offboard(tenant.name),
        )

    def protected_accounts(self, tenant: TenantInfo | None) -> frozenset[str]:
        if tenant is None or self.approval_settings is None:
            return frozenset()
        return frozenset(self.approval_settings.route(tenant.name).break_glass)
