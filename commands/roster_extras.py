"""Two columns of a roster that the user listing cannot give: per-user MFA state and roles.

Per-user MFA state is one beta call per user (`GET /beta/users/{id}/authentication/requirements`,
authentication-get: Policy.Read.All), so at most `MFA_READS_AT_ONCE` are in flight at once:
fewer than the Graph client's eight per tenant, so another command on the same tenant still gets
through while a long listing reads. Once one is refused for a permission or a licence the rest
are not sent: they would be refused alike.

Directory roles are one listing for the whole tenant, never a call per user:
`roleManagement/directory/roleAssignments?$expand=roleDefinition` (rbacapplication-list-
roleassignments: RoleManagement.Read.Directory), by principal id. Those are the active
assignments made to the user directly; a role held through a role-assignable group or only
eligible through PIM is not one of them (`/user` and the protection check read those).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from commands.context import Progress
from commands.roster import Unreadable, unreadable
from core.errors import Forbidden, IntegrationError, LicenseRequired
from integrations.graph import GraphClient

__all__ = ["MFA_READS_AT_ONCE", "read_mfa_states", "read_roles"]

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


async def read_roles(graph: GraphClient) -> Mapping[str, tuple[str, ...]] | Unreadable:
    """Directory role names by principal id; a role scoped to an administrative unit says so."""
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
    return {principal: tuple(sorted(set(names))) for principal, names in held.items()}
