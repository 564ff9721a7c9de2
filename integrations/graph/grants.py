"""What the Deskhand app was granted in a tenant, read from the directory, not from its tokens.

Access tokens are opaque to the clients that use them (Microsoft's access-token page: only the
resource reads them), so the app's application permissions are read as its service principal's
app role assignments (serviceprincipal-list-approleassignments.md, Application.Read.All), each
`appRoleId` named through the `appRoles` of the resource's service principal (Microsoft Graph,
Office 365 Exchange Online ...). An assignment's `createdDateTime` tells how fresh the consent
is: tokens issued before it, and for a while after, do not carry the permission yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .client import GraphClient
from .permissions import covering

__all__ = ["EXCHANGE_APP_ID", "GRAPH_APP_ID", "AppGrant", "AppGrants", "read_app_grants"]

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
_RESOURCE_FIELDS = ("id", "appId", "displayName", "appRoles")


@dataclass(frozen=True, slots=True)
class AppGrant:
    permission: str
    resource_app_id: str
    granted: datetime | None


@dataclass(frozen=True, slots=True)
class AppGrants:
    """The app's service principal and its application permissions, per resource."""

    principal_id: str
    grants: tuple[AppGrant, ...]

    def names(self, resource_app_id: str = GRAPH_APP_ID) -> frozenset[str]:
        return frozenset(g.permission for g in self.grants if g.resource_app_id == resource_app_id)

    def covering(self, permission: str, resource_app_id: str = GRAPH_APP_ID) -> list[AppGrant]:
        """The grants that stand in for `permission` (itself or a broader one its calls take)."""
        wanted = covering(permission)
        return [
            g
            for g in self.grants
            if g.resource_app_id == resource_app_id and g.permission in wanted
        ]

    def covers(self, permission: str, resource_app_id: str = GRAPH_APP_ID) -> bool:
        return bool(self.covering(permission, resource_app_id))


async def read_app_grants(graph: GraphClient, app_id: str) -> AppGrants:
    """Raises `Forbidden` without Application.Read.All (or a broader permission)."""
    me = f"/servicePrincipals(appId='{app_id}')"
    principal, assignments = await asyncio.gather(
        graph.get(me, select=("id",)),
        _collect(graph.pages(f"{me}/appRoleAssignments", select=())),
    )
    resource_ids = sorted({str(a.get("resourceId") or "") for a in assignments} - {""})
    resources = await asyncio.gather(
        *(graph.get(f"/servicePrincipals/{rid}", select=_RESOURCE_FIELDS) for rid in resource_ids)
    )
    roles = {str(r.get("id") or ""): _role_names(r) for r in resources}
    app_ids = {str(r.get("id") or ""): str(r.get("appId") or "") for r in resources}
    grants = []
    for assignment in assignments:
        resource = str(assignment.get("resourceId") or "")
        name = roles.get(resource, {}).get(str(assignment.get("appRoleId") or ""))
        if name:
            when = _when(assignment.get("createdDateTime"))
            grants.append(AppGrant(name, app_ids[resource], when))
    return AppGrants(str(principal.get("id") or ""), tuple(grants))


async def _collect(items: Any) -> list[dict[str, Any]]:
    return [item async for item in items]


def _role_names(resource: Mapping[str, Any]) -> dict[str, str]:
    roles: Iterable[Mapping[str, Any]] = resource.get("appRoles") or ()
    return {str(role.get("id")): str(role.get("value")) for role in roles if role.get("value")}


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
