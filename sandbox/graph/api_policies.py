"""Security defaults and Conditional Access policies.

    GET /policies/identitySecurityDefaultsEnforcementPolicy
        identitysecuritydefaultsenforcementpolicy-get.md
    GET /identity/conditionalAccess/policies        conditionalaccessroot-list-policies.md

Both need Policy.Read.All (application; no higher permission is listed). Conditional Access
needs Microsoft Entra ID P1 ("What is Conditional Access?", licence requirements); a tenant
without it gets the same 403 as the other P1 features here (unconfirmed for this endpoint).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.model import ConditionalAccessPolicy

from .api_users import no_premium
from .call import GraphCall, GraphResult, Route, ok
from .entities import stamp
from .query import Rendered, kept, page, parse_collection_query, project

__all__ = ["POLICY_READ", "ROUTES", "policy_json"]

POLICY_READ = ("Policy.Read.All",)

# The documented example's values (identitysecuritydefaultsenforcementpolicy-get.md).
_SECURITY_DEFAULTS = {
    "description": "Security defaults is a set of basic identity security mechanisms recommended "
    "by Microsoft. When enabled, these recommendations will be automatically enforced in your "
    "organization. Administrators and users will be better protected from common identity "
    "related attacks.",
    "displayName": "Security Defaults",
    "id": "00000000-0000-0000-0000-000000000005",
}

# Built-in authentication strengths (authenticationstrengthpolicy.md): id -> name,
# requirementsSatisfied, allowedCombinations.
_STRENGTHS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "00000000-0000-0000-0000-000000000002": (
        "Multifactor authentication",
        "mfa",
        (
            "windowsHelloForBusiness",
            "fido2",
            "x509CertificateMultiFactor",
            "deviceBasedPush",
            "temporaryAccessPassOneTime",
            "temporaryAccessPassMultiUse",
            "password,microsoftAuthenticatorPush",
            "password,softwareOath",
            "password,hardwareOath",
            "password,sms",
            "password,voice",
            "federatedMultiFactor",
            "microsoftAuthenticatorPush,federatedSingleFactor",
            "softwareOath,federatedSingleFactor",
            "hardwareOath,federatedSingleFactor",
            "sms,federatedSingleFactor",
            "voice,federatedSingleFactor",
        ),
    ),
    "00000000-0000-0000-0000-000000000003": (
        "Passwordless MFA",
        "mfa",
        ("windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"),
    ),
    "00000000-0000-0000-0000-000000000004": (
        "Phishing-resistant MFA",
        "mfa",
        ("windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"),
    ),
}


async def get_security_defaults(call: GraphCall) -> GraphResult:
    call.require(*POLICY_READ)
    body = {**_SECURITY_DEFAULTS, "isEnabled": call.tenant.directory.security_defaults}
    select = parse_collection_query(call, "policies", advanced_rules=False).select
    context = call.context("policies/identitySecurityDefaultsEnforcementPolicy")
    return ok({"@odata.context": context, **project(body, select, body, with_id=False)})


def _strength(strength_id: str | None) -> dict[str, Any] | None:
    if strength_id is None:
        return None
    name, satisfied, combinations = _STRENGTHS[strength_id]
    return {
        "id": strength_id,
        "createdDateTime": "2021-12-01T00:00:00Z",
        "modifiedDateTime": "2021-12-01T00:00:00Z",
        "displayName": name,
        "description": f"Built-in authentication strength: {name}",
        "policyType": "builtIn",
        "requirementsSatisfied": satisfied,
        "allowedCombinations": list(combinations),
    }


def _included(include: tuple[str, ...] | None, exclude: tuple[str, ...], kind: str) -> Any:
    if include is None:
        return None
    return {f"include{kind}": list(include), f"exclude{kind}": list(exclude)}


def policy_json(policy: ConditionalAccessPolicy) -> dict[str, Any]:
    """As the list example shows it, with authenticationStrength from the grant controls'
    resource page (conditionalaccessgrantcontrols.md)."""
    return {
        "id": policy.id,
        "displayName": policy.display_name,
        "createdDateTime": stamp(policy.created),
        "modifiedDateTime": stamp(policy.created),
        "state": policy.state,
        "sessionControls": None,
        "conditions": {
            "signInRiskLevels": [],
            "userRiskLevels": [],
            "clientAppTypes": list(policy.client_app_types),
            "platforms": _included(policy.include_platforms, policy.exclude_platforms, "Platforms"),
            "locations": _included(policy.include_locations, policy.exclude_locations, "Locations"),
            "applications": {
                "includeApplications": list(policy.include_applications),
                "excludeApplications": list(policy.exclude_applications),
                "includeUserActions": [],
            },
            "users": {
                "includeUsers": list(policy.include_users),
                "excludeUsers": list(policy.exclude_users),
                "includeGroups": list(policy.include_groups),
                "excludeGroups": list(policy.exclude_groups),
                "includeRoles": list(policy.include_roles),
                "excludeRoles": list(policy.exclude_roles),
            },
        },
        "grantControls": {
            "operator": policy.operator,
            "builtInControls": list(policy.built_in_controls),
            "customAuthenticationFactors": [],
            "termsOfUse": [],
            "authenticationStrength": _strength(policy.authentication_strength),
        },
    }


async def list_policies(call: GraphCall) -> GraphResult:
    """`$filter`, `$select`, `$top` and paging; `$skip` is not served."""
    call.require(*POLICY_READ)
    directory = call.tenant.directory
    if not directory.has_premium:
        raise no_premium()
    query = parse_collection_query(call, "conditionalAccess/policies", advanced_rules=False)
    matching: Sequence[Mapping[str, Any]] = kept(
        [policy_json(policy) for policy in directory.ca_policies], query.filter
    )
    if (select := query.select) is not None:
        matching = Rendered(matching, lambda item: project(item, select, (), with_id=True))
    return ok(page(call, matching, query, context="conditionalAccess/policies"))


ROUTES = (
    Route("GET", "/policies/identitySecurityDefaultsEnforcementPolicy", get_security_defaults),
    Route("GET", "/identity/conditionalAccess/policies", list_policies),
)
