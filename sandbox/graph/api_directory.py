"""Memberships, licences and subscriptions, domains and the organization object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .api_users import find_user
from .call import GraphCall, GraphResult, Route, ok
from .entities import directory_user_json, group_json, member_of, role_json, stamp
from .errors import not_found
from .query import Rendered, filtered_page

__all__ = ["DIRECTORY_READ", "ROUTES"]

DIRECTORY_READ = ("Directory.Read.All", "Directory.ReadWrite.All")
ORGANIZATION_READ = ("Organization.Read.All", *DIRECTORY_READ, "Organization.ReadWrite.All")
SKU_READ = ("Organization.Read.All", "LicenseAssignment.Read.All", *ORGANIZATION_READ)
MEMBERS_READ = (
    "GroupMember.Read.All",
    "Group.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    *DIRECTORY_READ,
)
DOMAIN_READ = ("Domain.Read.All", "Domain.ReadWrite.All", *DIRECTORY_READ)

# The service each plan belongs to, as organization.assignedPlans names it.
_PLAN_SERVICES = {
    "AAD_PREMIUM": "AADPremiumService",
    "MFA_PREMIUM": "MultiFactorService",
    "EXCHANGE_S_ENTERPRISE": "exchange",
    "EXCHANGE_S_STANDARD": "exchange",
    "SHAREPOINTENTERPRISE": "SharePoint",
    "TEAMS1": "TeamspaceAPI",
}


def _collection(call: GraphCall, items: Sequence[Mapping[str, Any]], context: str) -> GraphResult:
    return ok(filtered_page(call, items, context))


async def list_member_of(call: GraphCall) -> GraphResult:
    call.require(*DIRECTORY_READ)
    user = find_user(call)
    return _collection(call, member_of(call.tenant.directory, user), "directoryObjects")


# user-list-transitivememberof.md: application permissions, least to most privileged.
TRANSITIVE_READ = ("User.Read.All", "GroupMember.Read.All", "Group.Read.All", *DIRECTORY_READ)


async def list_transitive_member_of(call: GraphCall) -> GraphResult:
    """Groups reached directly or through nested groups, then the roles held through any of
    them or directly. Without OData cast or `$filter` (which need ConsistencyLevel)."""
    call.require(*TRANSITIVE_READ)
    directory = call.tenant.directory
    user = find_user(call)
    reached: dict[str, None] = {}
    frontier = {user.id}
    while frontier:
        found = [
            g.id
            for g in directory.groups.values()
            if g.member_ids & frontier and g.id not in reached
        ]
        reached.update(dict.fromkeys(found))
        frontier = set(found)
    groups = [group_json(directory.groups[g]) for g in reached]
    role_type = {"@odata.type": "#microsoft.graph.directoryRole"}
    held = sorted(directory.active_roles(user.id))
    roles = [{**role_type, **role_json(directory.roles[template])} for template in held]
    return _collection(call, groups + roles, "directoryObjects")


async def list_group_members(call: GraphCall) -> GraphResult:
    """Direct user members, typed as the polymorphic directoryObject collection is."""
    call.require(*MEMBERS_READ)
    directory = call.tenant.directory
    group = directory.groups.get(call.params["group"].lower())
    if group is None:
        raise not_found(call.params["group"])
    members = [directory.users[m] for m in sorted(group.member_ids) if m in directory.users]
    return _collection(call, Rendered(members, directory_user_json), "directoryObjects")


async def list_transitive_members(call: GraphCall) -> GraphResult:
    """group-list-transitivemembers.md: the users reached through nested groups too. Served
    with or without the `microsoft.graph.user` cast, which here changes nothing: members
    other than users and groups are not modelled."""
    call.require(*MEMBERS_READ)
    directory = call.tenant.directory
    group = directory.groups.get(call.params["group"].lower())
    if group is None:
        raise not_found(call.params["group"])
    seen: set[str] = set()
    frontier = set(group.member_ids)
    while frontier:
        seen |= frontier
        nested = (directory.groups[g].member_ids for g in frontier if g in directory.groups)
        frontier = set().union(*nested) - seen
    users = [directory.users[m] for m in sorted(seen) if m in directory.users]
    return _collection(call, Rendered(users, directory_user_json), "directoryObjects")


async def list_domains(call: GraphCall) -> GraphResult:
    """domain-list.md: $filter/$top/$search are unreliable here, so clients filter locally."""
    call.require(*DOMAIN_READ)
    items = [
        {
            "authenticationType": domain.authentication_type,
            "availabilityStatus": None,
            "id": domain.id,
            "isAdminManaged": True,
            "isDefault": domain.is_default,
            "isInitial": domain.is_initial,
            "isRoot": True,
            "isVerified": domain.is_verified,
            "passwordNotificationWindowInDays": 14,
            "passwordValidityPeriodInDays": 2147483647,
            "supportedServices": list(domain.supported_services),
            "state": None,
        }
        for domain in call.tenant.directory.domains
    ]
    return ok({"@odata.context": call.context("domains"), "value": items})


async def list_subscribed_skus(call: GraphCall) -> GraphResult:
    call.require(*SKU_READ)
    tenant = call.tenant
    items = [
        {
            "accountName": tenant.directory.display_name,
            "accountId": tenant.tenant_id,
            "appliesTo": "User",
            "capabilityStatus": "Enabled",
            "consumedUnits": tenant.directory.consumed_units(sku.sku_id),
            "id": f"{tenant.tenant_id}_{sku.sku_id}",
            "prepaidUnits": {"enabled": sku.prepaid, "lockedOut": 0, "suspended": 0, "warning": 0},
            "servicePlans": [
                {
                    "servicePlanId": plan.id,
                    "servicePlanName": plan.name,
                    "provisioningStatus": "Success",
                    "appliesTo": plan.applies_to,
                }
                for plan in sku.service_plans
            ],
            "skuId": sku.sku_id,
            "skuPartNumber": sku.part_number,
            "subscriptionIds": [sku.subscription_id],
        }
        for sku in tenant.directory.skus
    ]
    return _collection(call, items, "subscribedSkus")


async def list_subscriptions(call: GraphCall) -> GraphResult:
    """directory-list-subscriptions.md (companySubscription): Organization.Read.All, or
    Directory.Read.All / Organization.ReadWrite.All."""
    call.require(*ORGANIZATION_READ)
    directory = call.tenant.directory
    plans = {sku.sku_id: sku.service_plans for sku in directory.skus}
    items = [
        {
            "id": subscription.id,
            "commerceSubscriptionId": subscription.commerce_id,
            "createdDateTime": stamp(subscription.created),
            "isTrial": subscription.is_trial,
            "nextLifecycleDateTime": stamp(subscription.next_lifecycle),
            "ownerId": None,
            "ownerTenantId": None,
            "ownerType": None,
            "serviceStatus": [
                {
                    "appliesTo": plan.applies_to,
                    "provisioningStatus": "Success",
                    "servicePlanId": plan.id,
                    "servicePlanName": plan.name,
                }
                for plan in plans.get(subscription.sku_id, ())
            ],
            "skuId": subscription.sku_id,
            "skuPartNumber": subscription.part_number,
            "status": subscription.status,
            "totalLicenses": subscription.total_licenses,
        }
        for subscription in directory.subscriptions
    ]
    return _collection(call, items, "directory/subscriptions")


async def list_organization(call: GraphCall) -> GraphResult:
    call.require(*ORGANIZATION_READ)
    tenant = call.tenant
    directory = tenant.directory
    plans = {plan.id: plan for sku in directory.skus for plan in sku.service_plans}
    organization = {
        "id": tenant.tenant_id,
        "displayName": directory.display_name,
        "createdDateTime": stamp(directory.created),
        "tenantType": "AAD",
        "city": directory.city,
        "street": directory.street,
        "countryLetterCode": directory.country_code,
        "onPremisesSyncEnabled": any(u.on_premises_sync for u in directory.users.values()) or None,
        "assignedPlans": [
            {
                "assignedDateTime": stamp(directory.created),
                "capabilityStatus": "Enabled",
                "service": _PLAN_SERVICES.get(plan.name, plan.name),
                "servicePlanId": plan.id,
            }
            for plan in plans.values()
        ],
        "verifiedDomains": [
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": d.is_default,
                "isInitial": d.is_initial,
                "name": d.id,
                "type": d.authentication_type,
            }
            for d in directory.domains
            if d.is_verified
        ],
    }
    return _collection(call, [organization], "organization")


ROUTES = (
    Route("GET", "/users/{user}/memberOf", list_member_of),
    Route("GET", "/users/{user}/transitiveMemberOf", list_transitive_member_of),
    Route("GET", "/groups/{group}/members", list_group_members),
    Route("GET", "/groups/{group}/transitiveMembers", list_transitive_members),
    Route("GET", "/groups/{group}/transitiveMembers/microsoft.graph.user", list_transitive_members),
    Route("GET", "/domains", list_domains),
    Route("GET", "/subscribedSkus", list_subscribed_skus),
    Route("GET", "/directory/subscriptions", list_subscriptions),
    Route("GET", "/organization", list_organization),
)
