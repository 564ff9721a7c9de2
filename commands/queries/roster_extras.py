"""Two columns of a roster that the user listing cannot give: per-user MFA state and roles.

Per-user MFA state is one beta call per user (`GET /beta/users/{id}/authentication/requirements`,
authentication-get: Policy.Read.All), so at most `MFA_READS_AT_ONCE` are in flight at once:
fewer than the Graph client's eight per tenant, so another command on the same tenant still gets
through while a long listing reads. Once one is refused for a permission or a licence the rest
are not sent: they would be refused alike.

Directory roles are read for the whole tenant, never per user: one listing of
`roleManagement/directory/roleAssignments?$expand=roleDefinition` (rbacapplication-list-
roleassignments: RoleManagement.Read.Directory), by principal id; then, when some principal is a
role-assignable group (`groups?$filter=isAssignableToRole eq true`, group-list:
GroupMember.Read.All), that group's members, who hold its roles "via" it. Role-assignable
groups cannot hold groups, so their members are users. Active assignments only: a role only
eligible through PIM is not held yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from commands.kit.context import Progress
from commands.queries.roster import Unreadable, unreadable
from core.errors import Forbidden, IntegrationError, LicenseRequired
from integrations.graph import GraphClient, eq

__all__ = ["MFA_READS_AT_ONCE", "RoleHolders", "read_mfa_states", "read_roles"]

MFA_READS_AT_ONCE = 6
_ASSIGNMENTS = "/roleManagement/directory/roleAssignments"
_TENANT_WIDE = "/"


async def read_mfa_states(
    graph: GraphClient, user_ids: Sequence[str], progress: Progress
) -> Mapping[str, str | Unreadable]:
    """Each user's `perUserMfaState` (disabled, enabled, enforced), or why it is missing."""
    gate = asyncio.Semaphore(MFA_READS_AT_ONCE)
    refused: list[Unreadable] = []

    async def one(user_id: str) -> str | Unreadable:
        async with gate:
            if refused:
                return refused[0]
            try:
                body = await graph.get(
                    f"/users/{user_id}/authentication/requirements", select=(), version="beta"
                )
            except (Forbidden, LicenseRequired) as error:
                refused.append(unreadable(error))
                return refused[0]
            except IntegrationError as error:
                return unreadable(error)
            finally:
                progress.advance()
        return str(body.get("perUserMfaState") or "unknown")

    progress.start("Reading per-user MFA state", len(user_ids))
    try:
        states = await asyncio.gather(*(one(user_id) for user_id in user_ids))
    finally:
        progress.finish()
    return dict(zip(user_ids, states, strict=True))


@dataclass(frozen=True)
class RoleHolders:
    """Directory role names by principal id (a user, or a group's members "via" it)."""

    by_principal: Mapping[str, tuple[str, ...]]
    groups_problem: str = ""
    """Why roles held through role-assignable groups are missing ("needs …"), or empty."""


async def read_roles(graph: GraphClient) -> RoleHolders | Unreadable:
    """Who holds which directory role; a role scoped to an administrative unit says so."""
    held: dict[str, list[str]] = {}
    try:
        async for item in graph.pages(
            _ASSIGNMENTS,
            select=("id", "principalId", "directoryScopeId", "roleDefinitionId"),
            params={"$expand": "roleDefinition"},
        ):
            definition = item.get("roleDefinition") or {}
            name = str(definition.get("displayName") or item.get("roleDefinitionId") or "")
            if (item.get("directoryScopeId") or _TENANT_WIDE) != _TENANT_WIDE:
                name = f"{name} (scoped)"
            held.setdefault(str(item.get("principalId")), []).append(name)
    except IntegrationError as error:
        return unreadable(error)
    problem = ""
    try:
        await _add_group_members(graph, held)
    except IntegrationError as error:
        problem = unreadable(error).why
    return RoleHolders(
        {principal: tuple(sorted(set(names))) for principal, names in held.items()}, problem
    )


async def _add_group_members(graph: GraphClient, held: dict[str, list[str]]) -> None:
    """Each member of a role-holding, role-assignable group holds its roles through it."""
    groups = [
        group
        async for group in graph.pages(
            "/groups",
            select=("id", "displayName"),
            params={"$filter": str(eq("isAssignableToRole", True)), "$top": "999"},
        )
        if str(group.get("id")) in held
    ]
    members = await asyncio.gather(*(_member_ids(graph, str(g.get("id"))) for g in groups))
    for group, ids in zip(groups, members, strict=True):
        via = f" (via {group.get('displayName') or group.get('id')})"
        for member in ids:
            held.setdefault(member, []).extend(name + via for name in held[str(group.get("id"))])


async def _member_ids(graph: GraphClient, group_id: str) -> list[str]:
    return [
        str(member.get("id"))
        async for member in graph.pages(
            f"/groups/{group_id}/members", select=("id",), params={"$top": "999"}
        )
    ]
