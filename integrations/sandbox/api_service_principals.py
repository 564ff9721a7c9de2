"""Deskhand's own service principal in each tenant, and the directory roles it holds.

`GET /servicePrincipals(appId='{appId}')` and `/servicePrincipals/{id}` (serviceprincipal-get.md,
Application.Read.All). The app's directory roles (`SandboxTenant.app_roles`, by name) are served
as role assignments to this service principal, so `roleManagement/directory/roleAssignments`
filtered by its `principalId` answers as in Entra.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from .api_directory import DIRECTORY_READ
from .catalog import ROLE_TEMPLATES
from .graph_call import GraphCall, GraphResult, Route, ok
from .graph_errors import not_found
from .model import RoleAssignment
from .tenant import SandboxTenant

__all__ = ["ROUTES", "app_role_assignments"]

_APP_READ = ("Application.Read.All", "Application.ReadWrite.All", *DIRECTORY_READ)
_APP_NAME = "Deskhand"


def _assignment_id(template: str, principal: str) -> str:
    """Shaped like Graph's: base64url of the two GUIDs' bytes, then "-1"."""

    def encode(value: str) -> str:
        return base64.urlsafe_b64encode(uuid.UUID(value).bytes_le).decode().rstrip("=")

    return f"{encode(template)}{encode(principal)}-1"


def app_role_assignments(tenant: SandboxTenant) -> list[RoleAssignment]:
    """The app's directory roles as active, tenant-wide assignments to its service principal."""
    principal = tenant.service_principal_id
    templates = [
        ROLE_TEMPLATES[name][0] for name in sorted(tenant.app_roles) if name in ROLE_TEMPLATES
    ]
    return [RoleAssignment(_assignment_id(t, principal), principal, t) for t in templates]


def _principal_json(tenant: SandboxTenant) -> dict[str, Any]:
    return {
        "id": tenant.service_principal_id,
        "accountEnabled": True,
        "appDisplayName": _APP_NAME,
        "appId": tenant.client_id,
        "appOwnerOrganizationId": tenant.tenant_id,
        "displayName": _APP_NAME,
        "servicePrincipalNames": [tenant.client_id],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
    }


def _single(call: GraphCall) -> GraphResult:
    body = _principal_json(call.tenant)
    select = [s for s in call.query.get("$select", "").split(",") if s]
    shown = {name: body.get(name) for name in select} if select else body
    context = call.context("servicePrincipals/$entity")
    return ok({"@odata.context": context, **shown})


async def get_by_app_id(call: GraphCall) -> GraphResult:
    call.require(*_APP_READ)
    if call.params["app_id"].lower() != call.tenant.client_id:
        raise not_found(f"appId='{call.params['app_id']}'")
    return _single(call)


async def get_by_id(call: GraphCall) -> GraphResult:
    call.require(*_APP_READ)
    if call.params["principal"].lower() != call.tenant.service_principal_id:
        raise not_found(call.params["principal"])
    return _single(call)


ROUTES = (
    Route("GET", "/servicePrincipals(appId='{app_id}')", get_by_app_id),
    Route("GET", "/servicePrincipals/{principal}", get_by_id),
)
