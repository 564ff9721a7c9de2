"""What `deskhand doctor` says of a tenant (`Check`, `TenantReport`) and what each check reads
(`TenantUnderCheck`: the tenant, its Graph client, the permissions report, the app's grants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.operator.permissions_report import (
    EXCHANGE_API,
    GRAPH_API,
    PermissionsReport,
    how_to_grant,
)
from core.errors import Forbidden
from core.identity import TenantInfo
from integrations.graph import GraphClient, TokenSource
from integrations.graph.grants import EXCHANGE_APP_ID, GRAPH_APP_ID, AppGrants

__all__ = [
    "ADMIN_CENTER",
    "GRANTS_READ",
    "RESOURCES",
    "SETTLING",
    "Check",
    "Status",
    "TenantReport",
    "TenantUnderCheck",
    "refused",
]

ADMIN_CENTER = "Microsoft Entra admin center"
GRANTS_READ = "Application.Read.All"
RESOURCES = {GRAPH_API: GRAPH_APP_ID, EXCHANGE_API: EXCHANGE_APP_ID}
SETTLING = timedelta(hours=1)
"""How long a fresh consent may be missing from tokens: one issued just before it lives about
an hour, and Entra takes a while to replicate the grant."""


class Status(StrEnum):
    OK = "ok"
    MISSING = "missing"
    UNCHECKED = "unchecked"
    """Could not be checked; a problem too, since nobody knows whether it works."""
    NOTE = "note"
    """Worth knowing, nothing broken."""


@dataclass(frozen=True)
class Check:
    area: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class TenantReport:
    tenant: TenantInfo
    checks: tuple[Check, ...]

    @property
    def healthy(self) -> bool:
        return all(c.status in (Status.OK, Status.NOTE) for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant.name,
            "tenant_id": self.tenant.tenant_id,
            "healthy": self.healthy,
            "checks": [
                {"area": c.area, "status": str(c.status), "detail": c.detail, "fix": c.fix}
                for c in self.checks
            ],
        }


@dataclass(frozen=True)
class TenantUnderCheck:
    info: TenantInfo
    graph: GraphClient
    report: PermissionsReport
    has_tap: bool
    now: datetime
    grants: AppGrants | None = None

    @property
    def tokens(self) -> TokenSource:
        return self.graph.tokens

    @property
    def app(self) -> str:
        return self.tokens.credentials.client_id

    @property
    def consent_url(self) -> str:
        host = self.tokens.endpoints.authority_host
        return f"{host}/{self.info.tenant_id}/adminconsent?client_id={self.app}"

    def api_permissions_path(self, api: str) -> str:
        return how_to_grant(api, self.app, self.info.display_name, self.consent_url)

    def granted_recently(self, permission: str, api: str = GRAPH_API) -> datetime | None:
        """When `permission` was granted, if every grant covering it is too fresh to rely on."""
        if self.grants is None:
            return None
        found = self.grants.covering(permission, RESOURCES[api])
        times = [g.granted for g in found]
        if not found or any(t is None or self.now - t >= SETTLING for t in times):
            return None
        return max(t for t in times if t is not None)


def refused(
    t: TenantUnderCheck, area: str, error: Forbidden, permission: str, fix: str = ""
) -> Check:
    """A 403 for a call whose permission the directory says was granted is consent still
    replicating (or a token from before it), not a missing grant."""
    if t.grants is not None and t.grants.covers(permission):
        return Check(
            area,
            Status.UNCHECKED,
            f"Microsoft Graph refused the check although {permission} is granted: the grant "
            "is probably recent and not in Deskhand's tokens yet.",
            "Wait up to an hour and run deskhand doctor again.",
        )
    return Check(area, Status.UNCHECKED, error.message, fix)
