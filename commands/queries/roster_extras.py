"""What the user listing cannot give: per-user MFA state and directory roles.

Per-user MFA state is one beta read per user (`GET /beta/users/{id}/authentication/requirements`,
authentication-get: Policy.Read.All), sent through `$batch` twenty at a time
(json-batching.md; inner requests resolve against the batch's version, so the batch itself is
beta). One batch goes first: once one read is refused for a permission or a licence the rest
are not sent, they would be refused alike. Then at most `MFA_READS_AT_ONCE` batches are in
flight: fewer than the Graph client's eight per tenant, so another command on the same tenant
(or the listing whose pages the batches follow, in the digests) still gets through.

Directory roles are read for the whole tenant, never per user: one listing of
`roleManagement/directory/roleAssignments?$expand=roleDefinition` (rbacapplication-list-
roleassignments: RoleManagement.Read.Directory), by principal id; then, when some principal is a
role-assignable group (`groups?$filter=isAssignableToRole eq true`, group-list:
GroupMember.Read.All), that group's members, who hold its roles "via" it. Role-assignable
groups cannot hold groups, so their members are users. Active assignments only: a role only
eligible through PIM is not held yet. A built-in role's `roleDefinitionId` is its template id,
which is what Conditional Access policies name in `includeRoles` (unifiedroledefinition.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commands.kit.context import Progress
from commands.queries.roster import Unreadable, unreadable
from core.errors import Forbidden, IntegrationError, LicenseRequired
from integrations.graph import MAX_BATCH, BatchRequest, GraphClient, eq

__all__ = [
    "MFA_READS_AT_ONCE",
    "MfaStates",
    "RoleHolders",
    "read_mfa_states",
    "read_role_members",
    "read_roles",
]

MFA_READS_AT_ONCE = 6
_ASSIGNMENTS = "/roleManagement/directory/roleAssignments"
_TENANT_WIDE = "/"
_REQUIREMENTS = "/authentication/requirements"


async def read_mfa_states(
    graph: GraphClient, user_ids: Sequence[str], progress: Progress
) -> Mapping[str, str | Unreadable]:
    """Each user's `perUserMfaState` (disabled, enabled, enforced), or why it is missing."""
    progress.start("Reading per-user MFA state", len(user_ids))
    try:
        return await MfaStates(graph).read(user_ids, progress.advance)
    finally:
        progress.finish()


def _nothing(_count: int) -> None:
    pass


class MfaStates:
    """Per-user MFA state for one tenant, over as many `read` calls as there are pages of
    users: the tenant's first batch alone, the others at most `MFA_READS_AT_ONCE` in flight
    once it has answered, and none sent after one is refused for a permission or a licence."""

    def __init__(self, graph: GraphClient) -> None:
        self._graph = graph
        self._slots = asyncio.Semaphore(MFA_READS_AT_ONCE)
        self._probe = asyncio.Lock()
        self._probed = False
        self._refused: Unreadable | None = None

    async def read(
        self, user_ids: Sequence[str], advance: Callable[[int], None] = _nothing
    ) -> Mapping[str, str | Unreadable]:
        chunks = [user_ids[i : i + MAX_BATCH] for i in range(0, len(user_ids), MAX_BATCH)]
        states: dict[str, str | Unreadable] = {}
        for found in await asyncio.gather(*(self._chunk(c, advance) for c in chunks)):
            states.update(found)
        return states

    async def _chunk(
        self, user_ids: Sequence[str], advance: Callable[[int], None]
    ) -> Mapping[str, str | Unreadable]:
        if not self._probed:
            async with self._probe:
                if not self._probed:
                    found = await self._send(user_ids)
                    self._probed = True
                    advance(len(user_ids))
                    return found
        if self._refused is None:
            async with self._slots:
                if self._refused is None:
                    found = await self._send(user_ids)
                    advance(len(user_ids))
                    return found
        advance(len(user_ids))
        return dict.fromkeys(user_ids, self._refused)

    async def _send(self, user_ids: Sequence[str]) -> Mapping[str, str | Unreadable]:
        results = await self._graph.batch(
            [BatchRequest.get(i, f"/users/{i}{_REQUIREMENTS}", select=()) for i in user_ids],
            version="beta",
        )
        states: dict[str, str | Unreadable] = {}
        for user_id, result in results.items():
            if result.error is None:
                states[user_id] = str(result.body.get("perUserMfaState") or "unknown")
                continue
            states[user_id] = unreadable(result.error)
            if isinstance(result.error, Forbidden | LicenseRequired):
                self._refused = unreadable(result.error)
        return states


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
        async for item in _assignments(graph):
            definition = item.get("roleDefinition") or {}
            name = str(definition.get("displayName") or item.get("roleDefinitionId") or "")
            if (item.get("directoryScopeId") or _TENANT_WIDE) != _TENANT_WIDE:
                name = f"{name} (scoped)"
            held.setdefault(str(item.get("principalId")), []).append(name)
    except IntegrationError as error:
        return unreadable(error)
    problem = ""
    try:
        for group, members in await _role_groups(graph, held):
            via = f" (via {group.get('displayName') or group.get('id')})"
            for member in members:
                names = held[str(group.get("id"))]
                held.setdefault(member, []).extend(name + via for name in names)
    except IntegrationError as error:
        problem = unreadable(error).why
    return RoleHolders(
        {principal: tuple(sorted(set(names))) for principal, names in held.items()}, problem
    )


async def read_role_members(
    graph: GraphClient, role_ids: Collection[str]
) -> Mapping[str, frozenset[str]] | Unreadable:
    """The active holders (principal ids, and the members of role-assignable groups holding
    one) of each role named by its template id, for Conditional Access's `includeRoles`."""
    wanted = {role.casefold() for role in role_ids}
    held: dict[str, set[str]] = {}
    try:
        async for item in _assignments(graph):
            role = str(item.get("roleDefinitionId") or "").casefold()
            if role in wanted:
                held.setdefault(role, set()).add(str(item.get("principalId")))
        principals = {p for holders in held.values() for p in holders}
        for group, members in await _role_groups(graph, principals):
            for holders in held.values():
                if str(group.get("id")) in holders:
                    holders.update(members)
    except IntegrationError as error:
        return unreadable(error)
    return {role: frozenset(held.get(role.casefold(), ())) for role in role_ids}


async def _assignments(graph: GraphClient) -> AsyncIterator[dict[str, Any]]:
    async for item in graph.pages(
        _ASSIGNMENTS,
        select=("id", "principalId", "directoryScopeId", "roleDefinitionId"),
        params={"$expand": "roleDefinition"},
    ):
        yield item


async def _role_groups(
    graph: GraphClient, principals: Collection[str]
) -> list[tuple[dict[str, Any], list[str]]]:
    """The role-assignable groups among `principals`, each with its members."""
    groups = [
        group
        async for group in graph.pages(
            "/groups",
            select=("id", "displayName"),
            params={"$filter": str(eq("isAssignableToRole", True)), "$top": "999"},
        )
        if str(group.get("id")) in principals
    ]
    members = await asyncio.gather(*(_member_ids(graph, str(g.get("id"))) for g in groups))
    return list(zip(groups, members, strict=True))


async def _member_ids(graph: GraphClient, group_id: str) -> list[str]:
    return [
        str(member.get("id"))
        async for member in graph.pages(
            f"/groups/{group_id}/members", select=("id",), params={"$top": "999"}
        )
    ]
