"""Service principals: Deskhand's own in each tenant, and the resources it holds permissions on.

`GET /servicePrincipals(appId='{appId}')` and `/servicePrincipals/{id}` (serviceprincipal-get.md)
answer for Deskhand's app and for the resources Microsoft Graph and Office 365 Exchange Online,
whose `appRoles` name the application permissions. `GET .../appRoleAssignments`
(serviceprincipal-list-approleassignments.md) lists what Deskhand was granted
(`SandboxTenant.permissions`) as appRoleAssignment objects. Both need Application.Read.All (or a
broader permission). The app's directory roles (`SandboxTenant.app_roles`, by name) are served
as role assignments to its service principal, so `roleManagement/directory/roleAssignments`
filtered by its `principalId` answers as in Entra.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

from sandbox.model import RoleAssignment
from sandbox.seeds.builder import object_id
from sandbox.seeds.catalog import ROLE_TEMPLATES
from sandbox.tenant import SandboxTenant

from .api_directory import DIRECTORY_READ
from .app_roles import RESOURCES, Resource, resource_of
from .call import GraphCall, GraphResult, Route, ok
from .entities import stamp
from .errors import not_found
from .query import filtered_page

__all__ = ["ROUTES", "app_role_assignments"]

_APP_READ = ("Application.Read.All", "Application.ReadWrite.All", *DIRECTORY_READ)
# serviceprincipal-list-approleassignments.md: AppRoleAssignment.ReadWrite.All also reads them.
_ASSIGNMENTS_READ = (*_APP_READ, "AppRoleAssignment.ReadWrite.All")
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


def _resource_id(tenant: SandboxTenant, resource: Resource) -> str:
    return object_id(tenant.name, "servicePrincipal", resource.key)


def _deskhand_json(tenant: SandboxTenant) -> dict[str, Any]:
    return {
        "id": tenant.service_principal_id,
        "accountEnabled": True,
        "appDisplayName": _APP_NAME,
        "appId": tenant.client_id,
        "appOwnerOrganizationId": tenant.tenant_id,
        "appRoles": [],
        "displayName": _APP_NAME,
        "servicePrincipalNames": [tenant.client_id],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
    }


def _resource_json(tenant: SandboxTenant, resource: Resource) -> dict[str, Any]:
    return {
        "id": _resource_id(tenant, resource),
        "accountEnabled": True,
        "appDisplayName": resource.display_name,
        "appId": resource.app_id,
        "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        "appRoles": [
            {
                "allowedMemberTypes": ["Application"],
                "description": f"Application permission {name}.",
                "displayName": name,
                "id": role_id,
                "isEnabled": True,
                "origin": "Application",
                "value": name,
            }
            for name, role_id in sorted(resource.roles.items())
        ],
        "displayName": resource.display_name,
        "servicePrincipalNames": [resource.app_id],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": [],
    }


def _principals(tenant: SandboxTenant) -> list[dict[str, Any]]:
    return [_deskhand_json(tenant), *(_resource_json(tenant, r) for r in RESOURCES)]


def _assignment_json(tenant: SandboxTenant, permission: str) -> dict[str, Any] | None:
    resource = resource_of(permission)
    if resource is None:
        return None
    role_id = resource.roles[permission]
    return {
        "id": _assignment_id(role_id, tenant.service_principal_id),
        "deletedDateTime": None,
        "appRoleId": role_id,
        "createdDateTime": stamp(tenant.consented_at(permission)),
        "principalDisplayName": _APP_NAME,
        "principalId": tenant.service_principal_id,
        "principalType": "ServicePrincipal",
        "resourceDisplayName": resource.display_name,
        "resourceId": _resource_id(tenant, resource),
    }


def _find(call: GraphCall, matches: Callable[[dict[str, Any]], bool], key: str) -> dict[str, Any]:
    found = next((p for p in _principals(call.tenant) if matches(p)), None)
    if found is None:
        raise not_found(key)
    return found


def _by_app_id(call: GraphCall) -> dict[str, Any]:
    wanted = call.params["app_id"].lower()
    return _find(call, lambda p: str(p["appId"]) == wanted, f"appId='{call.params['app_id']}'")


def _by_id(call: GraphCall) -> dict[str, Any]:
    wanted = call.params["principal"].lower()
    return _find(call, lambda p: str(p["id"]) == wanted, call.params["principal"])


def _single(call: GraphCall, body: dict[str, Any]) -> GraphResult:
    select = [s for s in call.query.get("$select", "").split(",") if s]
    shown = {name: body.get(name) for name in select} if select else body
    context = call.context("servicePrincipals/$entity")
    return ok({"@odata.context": context, **shown})


def _assignments(call: GraphCall, principal: dict[str, Any]) -> GraphResult:
    tenant = call.tenant
    mine = principal["id"] == tenant.service_principal_id
    items = [
        item
        for name in sorted(tenant.permissions if mine else ())
        if (item := _assignment_json(tenant, name)) is not None
    ]
    context = f"servicePrincipals('{principal['id']}')/appRoleAssignments"
    return ok(filtered_page(call, items, context))


async def get_by_app_id(call: GraphCall) -> GraphResult:
    call.require(*_APP_READ)
    return _single(call, _by_app_id(call))


async def get_by_id(call: GraphCall) -> GraphResult:
    call.require(*_APP_READ)
    return _single(call, _by_id(call))


async def list_assignments_by_app_id(call: GraphCall) -> GraphResult:
    call.require(*_ASSIGNMENTS_READ)
    return _assignments(call, _by_app_id(call))


async def list_assignments_by_id(call: GraphCall) -> GraphResult:
    call.require(*_ASSIGNMENTS_READ)
    return _assignments(call, _by_id(call))


ROUTES = (
    Route("GET", "/servicePrincipals(appId='{app_id}')", get_by_app_id),
    Route(
        "GET", "/servicePrincipals(appId='{app_id}')/appRoleAssignments", list_assignments_by_app_id
    ),
    Route("GET", "/servicePrincipals/{principal}", get_by_id),
    Route("GET", "/servicePrincipals/{principal}/appRoleAssignments", list_assignments_by_id),
)
