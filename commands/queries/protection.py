"""Protected accounts: holders of privileged directory roles and configured break-glass accounts.

A destructive action on a protected account needs an admin's approval. A user is protected when
they hold a privileged role (a) actively and directly, (b) actively through a role-assignable
group, (c) as a PIM eligibility, directly or through such a group, or (d) are listed as a
break-glass account for the tenant.

Reads, all documented: `roleManagement/directory/roleAssignments` and `.../roleEligibilitySchedules`
filtered by `principalId`, `users/{id}/transitiveMemberOf` (without OData cast or `$filter`,
which would need `ConsistencyLevel: eventual` and its lagging index; role-assignable groups
cannot be nested, so they all show up), and beta `roleDefinitions?$filter=isPrivileged eq true`
(Entra's "privileged roles and permissions" page). Without the beta answer, the roles labelled
PRIVILEGED in "Microsoft Entra built-in roles" stand in. The user's reads go in one `$batch`
beside the beta call; a second `$batch` only for users in role-assignable groups.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commands.kit.context import CommandContext
from commands.kit.plan import Protection
from core.errors import IntegrationError, Rejected
from integrations.graph import BatchRequest, BatchResult, GraphClient, eq

__all__ = ["PRIVILEGED_ROLES", "RoleHold", "protection_of", "role_holds"]

# Template id -> name of every built-in role labelled PRIVILEGED in "Microsoft Entra built-in
# roles" (MicrosoftDocs/entra-docs permissions-reference.md, ms.date 01/20/2026).
PRIVILEGED_ROLES: Mapping[str, str] = {
    "db506228-d27e-4b7d-95e5-295956d6615f": "Agent ID Administrator",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
    "cf1c38e5-3621-4004-a7cb-879624dced7c": "Application Developer",
    "ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe": "Attribute Provisioning Administrator",
    "422218e4-db15-4ef9-bbe0-8afb41546d79": "Attribute Provisioning Reader",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
    "25a516ed-2fa0-40ea-a2d0-12923a21473a": "Authentication Extensibility Administrator",
    "aaf43236-0c0d-4d5f-883a-6955382ac081": "B2C IEF Keyset Administrator",
    "158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
    "7698a772-787b-4ac8-901f-60d6b08affd2": "Cloud Device Administrator",
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
    "9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
    "8329153b-31d0-4727-b945-745eb3bc5f31": "Domain Name Administrator",
    "be2f45a1-457d-42af-a067-6ec1fa63bc45": "External Identity Provider Administrator",
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
    "3a2c62db-5318-420d-8d74-23affee5d9d5": "Intune Administrator",
    "59d46f88-662b-457b-bceb-5c3809e5908f": "Lifecycle Workflows Administrator",
    "4ba39ca4-527c-499a-b93d-d9b492c50246": "Partner Tier1 Support",
    "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8": "Partner Tier2 Support",
    "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f": "Security Operator",
    "5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
}
_ASSIGNMENTS = "/roleManagement/directory/roleAssignments"
_ELIGIBILITIES = "/roleManagement/directory/roleEligibilitySchedules"
_DEFINITIONS = "/roleManagement/directory/roleDefinitions"
_GROUP = "#microsoft.graph.group"
# Observed (not documented) answer of the PIM APIs in a tenant without Entra ID P2: such a
# tenant has no PIM, so no eligibilities.
_NO_PIM = "AadPremiumLicenseRequired"
_BREAK_GLASS = "configured break-glass account"


@dataclass(frozen=True)
class RoleHold:
    """One privileged role a user holds: `eligible` through PIM, `via` a group's name."""

    role: str
    eligible: bool = False
    via: str = ""

    @property
    def reason(self) -> str:
        if self.via:
            kind = "eligible through PIM" if self.eligible else "active"
            return f"{self.role} through group {self.via} ({kind})"
        return f"{self.role} ({'eligible through PIM' if self.eligible else 'active'})"


@dataclass(frozen=True)
class _Group:
    id: str
    name: str


async def protection_of(ctx: CommandContext, user_id: str, upn: str) -> Protection:
    """Why this user is protected; empty when they are not. Fails closed: a role source that
    cannot be read (a missing permission) is itself a reason, so an admin must approve."""
    reasons: list[str] = []
    if {user_id.lower(), upn.lower()} & ctx.protected_accounts:
        reasons.append(_BREAK_GLASS)
    holds, unreadable = await role_holds(ctx.graph, user_id)
    reasons.extend(hold.reason for hold in holds)
    reasons.extend(unreadable)
    return Protection(tuple(dict.fromkeys(reasons)))


async def role_holds(graph: GraphClient, user_id: str) -> tuple[list[RoleHold], list[str]]:
    """The user's privileged roles, and what could not be checked (as protection reasons)."""
    first, privileged = await asyncio.gather(
        graph.batch(
            [
                *_principal_requests("user", user_id),
                BatchRequest.get(
                    "groups",
                    f"/users/{user_id}/transitiveMemberOf",
                    select=("id", "displayName", "isAssignableToRole"),
                    params={"$top": "999"},
                ),
            ]
        ),
        _privileged_roles(graph),
    )
    unreadable: list[str] = []
    holds = _holds(first, "user", privileged, "", unreadable)
    groups = await _role_assignable_groups(graph, user_id, first["groups"], unreadable)
    if groups:
        requests = [r for g in groups for r in _principal_requests(g.id, g.id)]
        second = await graph.batch(requests)
        for group in groups:
            holds += _holds(second, group.id, privileged, group.name, unreadable)
    return list(dict.fromkeys(holds)), list(dict.fromkeys(unreadable))


def _principal_requests(key: str, principal_id: str) -> list[BatchRequest]:
    by_principal = {"$filter": str(eq("principalId", principal_id))}
    return [
        BatchRequest.get(
            f"{key}:active", _ASSIGNMENTS, select=("id", "roleDefinitionId"), params=by_principal
        ),
        BatchRequest.get(
            f"{key}:eligible",
            _ELIGIBILITIES,
            select=("id", "roleDefinitionId"),
            params=by_principal,
        ),
    ]


def _holds(
    results: Mapping[str, BatchResult],
    key: str,
    privileged: Mapping[str, str],
    via: str,
    unreadable: list[str],
) -> list[RoleHold]:
    holds: list[RoleHold] = []
    for eligible in (False, True):
        result = results[f"{key}:{'eligible' if eligible else 'active'}"]
        if result.error is not None:
            if eligible and result.error.code == _NO_PIM:
                continue
            unreadable.append(_unreadable(result.error, eligible=eligible))
            continue
        for item in result.body.get("value") or ():
            role = privileged.get(str(item.get("roleDefinitionId", "")).lower())
            if role:
                holds.append(RoleHold(role, eligible=eligible, via=via))
    return holds


def _unreadable(error: IntegrationError, *, eligible: bool) -> str:
    what = "PIM-eligible roles" if eligible else "Active directory roles"
    return _could_not_check(error, what)


def _could_not_check(error: IntegrationError, what: str) -> str:
    """A reason naming the check Graph refused; an unavailable Graph is raised, to retry."""
    if not isinstance(error, Rejected):
        raise error
    code = error.code or (f"HTTP {error.status}" if error.status else "refused")
    return f"{what} could not be checked ({code})"


async def _role_assignable_groups(
    graph: GraphClient, user_id: str, result: BatchResult, unreadable: list[str]
) -> list[_Group]:
    """The role-assignable groups among the user's memberships, every page of them."""
    if result.error is not None:
        unreadable.append(_could_not_check(result.error, "Group memberships"))
        return []
    body = result.body
    items: list[Mapping[str, Any]] = list(body.get("value") or ())
    if body.get("@odata.nextLink"):
        # More than a page of memberships: read them all, outside the batch.
        items = [
            item
            async for item in graph.pages(
                f"/users/{user_id}/transitiveMemberOf",
                select=("id", "displayName", "isAssignableToRole"),
                params={"$top": "999"},
            )
        ]
    return [
        _Group(str(item["id"]), str(item.get("displayName") or item["id"]))
        for item in items
        if item.get("@odata.type") == _GROUP and item.get("isAssignableToRole") is True
    ]


async def _privileged_roles(graph: GraphClient) -> dict[str, str]:
    """Role definition id -> name of the tenant's privileged roles, custom ones included.

    `isPrivileged` is beta only; when that call fails, the built-in list stands in."""
    try:
        body = await graph.get(
            _DEFINITIONS,
            select=("id", "displayName", "templateId"),
            params={"$filter": str(eq("isPrivileged", True))},
            version="beta",
        )
    except IntegrationError:
        return dict(PRIVILEGED_ROLES)
    found = dict(PRIVILEGED_ROLES)
    for item in _values(body):
        name = str(item.get("displayName") or "")
        for key in (item.get("id"), item.get("templateId")):
            if key:
                found[str(key).lower()] = name or PRIVILEGED_ROLES.get(str(key).lower(), "")
    return found


def _values(body: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    items = body.get("value")
    return items if isinstance(items, list) else []
