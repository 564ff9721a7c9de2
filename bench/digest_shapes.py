"""A sandbox tenant's `TenantShape`, from its generated data: how many users, whose per-user MFA
state the MFA digest needs, and which group and role members its policies make it read.

Per-user MFA state is needed for the users the MFA digest counts (enabled members but shared
mailboxes; guests are left out by default) that neither security defaults nor an enabled
Conditional Access policy already make do MFA at every sign-in. Those policies are the
tenant's own, as Graph lists them (`policy_json`), judged by the same evaluation the digest
uses (`conditional_access`), so the minimum follows the data, not the benchmark's idea of it.
"""

from __future__ import annotations

from math import ceil

from bench.digest_bound import TenantShape
from commands.queries.conditional_access import Enforcement, Memberships, MfaPolicy, evaluate
from commands.queries.conditional_access import mfa_policies as parse_policies
from sandbox import SandboxTenant
from sandbox.graph.api_policies import policy_json
from sandbox.model import Directory

__all__ = ["MEMBERS_PAGE", "REPORT_PAGE", "shape_of"]

REPORT_PAGE = 100
"""The registration-details report takes no `$top` (authenticationmethodsroot-list-
userregistrationdetails.md): Graph chooses its pages; the sandbox serves 100, as its other
collections without `$top`."""
MEMBERS_PAGE = 999
"""group-list-transitivemembers.md: `$top` up to 999."""
_MEMBER = "Member"


def shape_of(tenant: SandboxTenant) -> TenantShape:
    directory = tenant.directory
    policies = _mfa_policies(directory)
    known = _memberships(directory, policies)
    counted = [
        user
        for user in directory.users.values()
        if user.account_enabled
        and user.user_type == _MEMBER
        and user.id not in tenant.exchange.shared
    ]
    open_users = [
        user
        for user in counted
        if not directory.security_defaults
        and evaluate(policies, known, user.id, guest=False).enforcement is not Enforcement.ENFORCED
    ]
    group_reads = tuple(
        max(1, ceil(len(known.groups[group]) / MEMBERS_PAGE)) for group in known.groups
    )
    return TenantShape(
        users=len(directory.users),
        report_page=REPORT_PAGE,
        mfa_state_users=len(open_users),
        policy_reads=group_reads + ((1,) if known.roles else ()),
    )


def _mfa_policies(directory: Directory) -> tuple[MfaPolicy, ...]:
    """The enabled policies requiring MFA; none without Entra ID P1 (Graph refuses the list)."""
    if directory.security_defaults or not directory.has_premium:
        return ()
    return parse_policies(policy_json(policy) for policy in directory.ca_policies)


def _memberships(directory: Directory, policies: tuple[MfaPolicy, ...]) -> Memberships:
    groups = {g for policy in policies for g in policy.audience.groups}
    roles = {r.casefold() for policy in policies for r in policy.audience.roles}
    holders: dict[str, set[str]] = {}
    for assignment in directory.role_assignments:
        role = assignment.role_template_id.casefold()
        if role in roles:
            holders.setdefault(role, set()).add(assignment.principal_id)
    return Memberships(
        groups={g: _transitive_users(directory, g) for g in groups},
        roles={r: frozenset(holders.get(r, ())) for r in roles},
    )


def _transitive_users(directory: Directory, group_id: str) -> frozenset[str]:
    seen: set[str] = set()
    users: set[str] = set()
    waiting = [group_id]
    while waiting:
        group = directory.groups.get(waiting.pop())
        if group is None or group.id in seen:
            continue
        seen.add(group.id)
        for member in group.member_ids:
            if member in directory.users:
                users.add(member)
            else:
                waiting.append(member)
    return frozenset(users)
