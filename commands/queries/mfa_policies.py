"""What makes a tenant's users do MFA, read once per tenant: security defaults and the
Conditional Access policies requiring it, with the members of the groups and roles they name.

- `GET /policies/identitySecurityDefaultsEnforcementPolicy` (identitysecuritydefaultsenforcement
  policy-get.md, Policy.Read.All): `isEnabled`.
- `GET /identity/conditionalAccess/policies` (conditionalaccessroot-list-policies.md,
  Policy.Read.All; the tenant needs Microsoft Entra ID P1).
- Only the groups the MFA policies name: `GET /groups/{id}/transitiveMembers/microsoft.graph.user`
  (group-list-transitivemembers.md, GroupMember.Read.All), nested groups resolved by Graph.
- Only the roles they name: the active role assignments (`read_role_members`).

A part Graph refuses becomes a sentence in `unknown`; the users it would decide are UNKNOWN.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from commands.queries.conditional_access import (
    Enforcement,
    Memberships,
    MfaPolicy,
    Verdict,
    evaluate,
    mfa_policies,
)
from commands.queries.roster import Unreadable, unreadable
from commands.queries.roster_extras import read_role_members
from core.errors import IntegrationError, LicenseRequired
from integrations.graph import GraphClient

__all__ = ["SECURITY_DEFAULTS", "TenantPolicies", "read_policies"]

SECURITY_DEFAULTS = "security defaults"
_DEFAULTS = "/policies/identitySecurityDefaultsEnforcementPolicy"
_POLICIES = "/identity/conditionalAccess/policies"
_POLICY_FIELDS = ("id", "displayName", "state", "conditions", "grantControls")


@dataclass(frozen=True)
class TenantPolicies:
    security_defaults: bool | None
    """None: could not be read."""
    policies: tuple[MfaPolicy, ...] | None
    """The enabled policies requiring MFA; None: could not be read."""
    known: Memberships
    unknown: tuple[str, ...]

    def verdict(self, user_id: str, *, guest: bool) -> Verdict:
        """Whether security defaults or Conditional Access make this user do MFA."""
        if self.security_defaults:
            return Verdict(Enforcement.ENFORCED, (SECURITY_DEFAULTS,))
        if self.policies is None:
            return Verdict(Enforcement.UNKNOWN, ())
        found = evaluate(self.policies, self.known, user_id, guest=guest)
        if found.enforcement is Enforcement.NOT and self.security_defaults is None:
            return Verdict(Enforcement.UNKNOWN, ())
        return found


async def read_policies(graph: GraphClient) -> TenantPolicies:
    defaults, policies = await asyncio.gather(_security_defaults(graph), _policies(graph))
    unknown = [] if isinstance(defaults, bool) else [f"Security defaults: {defaults.why}."]
    if isinstance(policies, Unreadable):
        unknown.append(f"Conditional Access: {policies.why}.")
        return TenantPolicies(_known(defaults), None, Memberships(), tuple(unknown))
    if policies is None:
        unknown.append("Conditional Access: needs Microsoft Entra ID P1, so no policy is counted.")
        policies = ()
    known, missing = await _memberships(graph, policies)
    return TenantPolicies(_known(defaults), policies, known, (*unknown, *missing))


def _known(value: bool | Unreadable) -> bool | None:
    return value if isinstance(value, bool) else None


async def _security_defaults(graph: GraphClient) -> bool | Unreadable:
    try:
        body = await graph.get(_DEFAULTS, select=("isEnabled",))
    except IntegrationError as error:
        return unreadable(error)
    return body.get("isEnabled") is True


async def _policies(graph: GraphClient) -> tuple[MfaPolicy, ...] | Unreadable | None:
    """The MFA policies; None when the tenant has no Entra ID P1 (so no policy applies)."""
    try:
        return mfa_policies([item async for item in graph.pages(_POLICIES, select=_POLICY_FIELDS)])
    except LicenseRequired:
        return None
    except IntegrationError as error:
        return unreadable(error)


async def _memberships(
    graph: GraphClient, policies: tuple[MfaPolicy, ...]
) -> tuple[Memberships, list[str]]:
    group_ids = sorted({g for p in policies for g in p.audience.groups})
    role_ids = sorted({r for p in policies for r in p.audience.roles})
    members = await asyncio.gather(*(_group_members(graph, g) for g in group_ids))
    roles = await read_role_members(graph, role_ids) if role_ids else {}
    missing = [
        f"Conditional Access: members of group {g} not read ({m.why})."
        for g, m in zip(group_ids, members, strict=True)
        if isinstance(m, Unreadable)
    ]
    if isinstance(roles, Unreadable):
        missing.append(
            f"Conditional Access: holders of the roles policies name not read ({roles.why})."
        )
        roles = {}
    groups: Mapping[str, frozenset[str]] = {
        g: m for g, m in zip(group_ids, members, strict=True) if isinstance(m, frozenset)
    }
    return Memberships(groups, roles), missing


async def _group_members(graph: GraphClient, group_id: str) -> frozenset[str] | Unreadable:
    try:
        return frozenset(
            [
                str(member.get("id"))
                async for member in graph.pages(
                    f"/groups/{group_id}/transitiveMembers/microsoft.graph.user",
                    select=("id",),
                    params={"$top": "999"},
                )
            ]
        )
    except IntegrationError as error:
        return unreadable(error)
