"""Directory roles: definitions, active assignments (to users and groups), PIM eligibilities.

`roleDefinitions` carries `isPrivileged` on beta only: v1.0's unifiedRoleDefinition does not
document it, and Microsoft's privileged-roles page lists them with the beta cmdlets.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.model import Directory, DirectoryRole, RoleAssignment, RoleEligibility

from .api_directory import DIRECTORY_READ
from .api_service_principals import app_role_assignments
from .call import GraphCall, GraphResult, Route, ok
from .entities import directory_user_json, group_json, role_json, stamp
from .errors import bad_request
from .query import filtered_page

__all__ = ["ROUTES"]

ROLE_READ = (
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    *DIRECTORY_READ,
    "RoleManagement.ReadWrite.Directory",
)
# rbacapplication-list-roleeligibilityschedule(instance)s.md: application permissions.
ELIGIBILITY_READ = (
    "RoleEligibilitySchedule.Read.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.All",
    "RoleManagement.Read.Directory",
    "RoleManagement.ReadWrite.Directory",
)
_EXPANDABLE = ("roleDefinition", "principal")


def _definition_json(role: DirectoryRole, version: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": role.template_id,
        "description": role.description,
        "displayName": role.display_name,
        "isBuiltIn": role.is_built_in,
        "isEnabled": True,
        "templateId": role.template_id,
        "version": "1",
    }
    if version == "beta":
        body["isPrivileged"] = role.is_privileged
    return body


def _principal_json(directory: Directory, principal_id: str) -> dict[str, Any] | None:
    """A user or a role-assignable group, typed as the polymorphic `principal` is."""
    if group := directory.groups.get(principal_id):
        return group_json(group)
    user = directory.users.get(principal_id)
    return directory_user_json(user) if user else None


@dataclass(frozen=True)
class _Expansion:
    """The navigation properties `$expand` asked for, added to each item of a collection."""

    directory: Directory
    version: str
    names: tuple[str, ...]

    @classmethod
    def parse(cls, call: GraphCall, entity: str) -> _Expansion:
        names = tuple(n.strip() for n in call.query.get("$expand", "").split(",") if n.strip())
        for name in names:
            if name not in _EXPANDABLE:
                raise bad_request(
                    f"Could not find a property named '{name}' on type 'microsoft.graph.{entity}'."
                )
        return cls(call.tenant.directory, call.version, names)

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        for name in self.names:
            if name == "roleDefinition":
                role = self.directory.roles[body["roleDefinitionId"]]
                body[name] = _definition_json(role, self.version)
            else:
                body[name] = _principal_json(self.directory, body["principalId"])
        return body


def _assignment_json(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "principalId": assignment.principal_id,
        "resourceScope": "/",
        "directoryScopeId": "/",
        "roleDefinitionId": assignment.role_template_id,
    }


def _no_expiry(start: datetime) -> dict[str, Any]:
    return {
        "startDateTime": stamp(start),
        "recurrence": None,
        "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None},
    }


def _schedule_json(eligibility: RoleEligibility) -> dict[str, Any]:
    return {
        "id": eligibility.id,
        "principalId": eligibility.principal_id,
        "roleDefinitionId": eligibility.role_template_id,
        "directoryScopeId": "/",
        "appScopeId": None,
        "createdUsing": eligibility.id,
        "createdDateTime": stamp(eligibility.start),
        "modifiedDateTime": None,
        "status": "Provisioned",
        "memberType": "Direct",
        "scheduleInfo": _no_expiry(eligibility.start),
    }


def _instance_json(eligibility: RoleEligibility) -> dict[str, Any]:
    return {
        "id": eligibility.id,
        "principalId": eligibility.principal_id,
        "roleDefinitionId": eligibility.role_template_id,
        "directoryScopeId": "/",
        "appScopeId": None,
        "startDateTime": stamp(eligibility.start),
        "endDateTime": None,
        "memberType": "Direct",
        "roleEligibilityScheduleId": eligibility.id,
    }


def _collection(call: GraphCall, items: list[dict[str, Any]], context: str) -> GraphResult:
    return ok(filtered_page(call, items, context))


def _expanded_collection(
    call: GraphCall, entity: str, items: list[dict[str, Any]], context: str
) -> GraphResult:
    expansion = _Expansion.parse(call, entity)
    return _collection(call, [expansion.apply(item) for item in items], context)


async def list_role_assignments(call: GraphCall) -> GraphResult:
    call.require(*ROLE_READ)
    held = [*call.tenant.directory.role_assignments, *app_role_assignments(call.tenant)]
    items = [_assignment_json(a) for a in held]
    return _expanded_collection(
        call, "unifiedRoleAssignment", items, "roleManagement/directory/roleAssignments"
    )


async def list_role_definitions(call: GraphCall) -> GraphResult:
    call.require(*ROLE_READ)
    roles = call.tenant.directory.roles.values()
    items = [_definition_json(role, call.version) for role in roles]
    return _collection(call, items, "roleManagement/directory/roleDefinitions")


def _eligibilities(
    as_json: Callable[[RoleEligibility], dict[str, Any]], kind: str, segment: str
) -> Callable[[GraphCall], Awaitable[GraphResult]]:
    """PIM eligibility as schedules or as their instances: one listing, two shapes."""

    async def handler(call: GraphCall) -> GraphResult:
        call.require(*ELIGIBILITY_READ)
        items = [as_json(e) for e in call.tenant.directory.role_eligibilities]
        return _expanded_collection(call, kind, items, f"roleManagement/directory/{segment}")

    return handler


list_eligibility_schedules = _eligibilities(
    _schedule_json, "unifiedRoleEligibilitySchedule", "roleEligibilitySchedules"
)
list_eligibility_instances = _eligibilities(
    _instance_json, "unifiedRoleEligibilityScheduleInstance", "roleEligibilityScheduleInstances"
)


async def list_directory_roles(call: GraphCall) -> GraphResult:
    call.require(*ROLE_READ)
    directory = call.tenant.directory
    active = {a.role_template_id for a in directory.role_assignments}
    items = [role_json(directory.roles[template]) for template in sorted(active)]
    return _collection(call, items, "directoryRoles")


_DIRECTORY = "/roleManagement/directory"

ROUTES = (
    Route("GET", f"{_DIRECTORY}/roleAssignments", list_role_assignments),
    Route("GET", f"{_DIRECTORY}/roleDefinitions", list_role_definitions),
    Route("GET", f"{_DIRECTORY}/roleEligibilitySchedules", list_eligibility_schedules),
    Route("GET", f"{_DIRECTORY}/roleEligibilityScheduleInstances", list_eligibility_instances),
    Route("GET", "/directoryRoles", list_directory_roles),
)
