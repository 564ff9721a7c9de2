"""Conditional Access evaluation, with policies shaped as conditionalaccessroot-post-policies.md's
examples (the responses of examples 1 and 3)."""

from __future__ import annotations

import copy
from typing import Any

from commands.queries.conditional_access import Enforcement, Memberships, evaluate, mfa_policies

GROUP = "ba8e7ded-8b0f-4836-ba06-8ff1ecc5c8ba"
ADELE = "a702a13d-a437-4a07-8a7e-8c052de62dfd"
LEE = "124c5b6a-ffa5-483a-9b88-04c3fce5574a"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"


def policy(**changes: Any) -> dict[str, Any]:
    """Example 1's response ("Access to EXO requires MFA") made to cover all apps and users."""
    base: dict[str, Any] = {
        "id": "7359d0e0-d8a9-4afa-8a93-e23e099d7be8",
        "displayName": "Require MFA",
        "state": "enabled",
        "sessionControls": None,
        "conditions": {
            "signInRiskLevels": [],
            "clientAppTypes": ["all"],
            "platforms": None,
            "applications": {
                "includeApplications": ["All"],
                "excludeApplications": [],
                "includeUserActions": [],
            },
            "users": {
                "includeUsers": ["All"],
                "excludeUsers": [],
                "includeGroups": [],
                "excludeGroups": [],
                "includeRoles": [],
                "excludeRoles": [],
            },
            "locations": None,
        },
        "grantControls": {
            "operator": "OR",
            "builtInControls": ["mfa"],
            "customAuthenticationFactors": [],
            "termsOfUse": [],
        },
    }
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[leaf] = value
    return data


def verdict(
    item: dict[str, Any],
    user: str = ADELE,
    *,
    guest: bool = False,
    known: Memberships | None = None,
) -> Enforcement:
    return evaluate(mfa_policies([item]), known or Memberships(), user, guest=guest).enforcement


def test_an_enabled_policy_for_all_users_and_apps_enforces() -> None:
    assert verdict(policy()) is Enforcement.ENFORCED


def test_disabled_and_report_only_policies_enforce_nothing() -> None:
    assert verdict(policy(state="disabled")) is Enforcement.NOT
    assert verdict(policy(state="enabledForReportingButNotEnforced")) is Enforcement.NOT


def test_a_policy_without_mfa_or_for_no_app_is_not_counted() -> None:
    assert verdict(policy(grantControls__builtInControls=["block"])) is Enforcement.NOT
    none = policy(conditions__applications__includeApplications=["None"])
    assert verdict(none) is Enforcement.NOT


def test_excluded_users_and_excluded_groups_are_not_covered() -> None:
    assert verdict(policy(conditions__users__excludeUsers=[ADELE])) is Enforcement.NOT
    known = Memberships(groups={GROUP: frozenset({ADELE})})
    excluded = policy(conditions__users__excludeGroups=[GROUP])
    assert verdict(excluded, known=known) is Enforcement.NOT
    assert verdict(excluded, LEE, known=known) is Enforcement.ENFORCED


def test_included_groups_count_their_transitive_members() -> None:
    item = policy(conditions__users__includeUsers=[], conditions__users__includeGroups=[GROUP])
    known = Memberships(groups={GROUP: frozenset({ADELE})})
    assert verdict(item, ADELE, known=known) is Enforcement.ENFORCED
    assert verdict(item, LEE, known=known) is Enforcement.NOT
    assert verdict(item, ADELE) is Enforcement.UNKNOWN  # the group could not be read


def test_roles_cover_their_holders_minus_excluded_roles() -> None:
    item = policy(
        conditions__users__includeUsers=[], conditions__users__includeRoles=[GLOBAL_ADMIN]
    )
    known = Memberships(roles={GLOBAL_ADMIN: frozenset({LEE})})
    assert verdict(item, LEE, known=known) is Enforcement.ENFORCED
    assert verdict(item, ADELE, known=known) is Enforcement.NOT
    both = policy(conditions__users__excludeRoles=[GLOBAL_ADMIN])
    assert verdict(both, LEE, known=known) is Enforcement.NOT


def test_guests_are_covered_by_guests_or_external_users() -> None:
    item = policy(conditions__users__includeUsers=["GuestsOrExternalUsers"])
    assert verdict(item, guest=True) is Enforcement.ENFORCED
    assert verdict(item, guest=False) is Enforcement.NOT
    excluded = policy(conditions__users__excludeUsers=["GuestsOrExternalUsers"])
    assert verdict(excluded, guest=True) is Enforcement.NOT


def test_a_policy_for_some_apps_enforces_only_partly() -> None:
    exo = policy(
        conditions__applications__includeApplications=["00000002-0000-0ff1-ce00-000000000000"]
    )
    assert verdict(exo) is Enforcement.PARTLY
    assert mfa_policies([exo])[0].limits == ("some apps",)
    excluded = policy(
        conditions__applications__excludeApplications=["499b84ac-1321-427f-aa17-267ca6975798"]
    )
    assert verdict(excluded) is Enforcement.PARTLY


def test_locations_platforms_client_apps_and_risk_limit_a_policy() -> None:
    located = policy(
        conditions__locations={"includeLocations": ["All"], "excludeLocations": ["AllTrusted"]}
    )
    assert mfa_policies([located])[0].limits == ("some locations",)
    everywhere = policy(conditions__locations={"includeLocations": ["All"], "excludeLocations": []})
    assert verdict(everywhere) is Enforcement.ENFORCED
    platforms = policy(
        conditions__platforms={"includePlatforms": ["all"], "excludePlatforms": ["iOS"]}
    )
    assert verdict(platforms) is Enforcement.PARTLY
    browsers = policy(conditions__clientAppTypes=["mobileAppsAndDesktopClients", "browser"])
    assert verdict(browsers) is Enforcement.PARTLY
    risky = policy(conditions__signInRiskLevels=["high", "medium"])
    assert verdict(risky) is Enforcement.PARTLY


def test_mfa_or_a_compliant_device_is_partly_but_mfa_and_it_is_enforced() -> None:
    either = policy(grantControls__builtInControls=["mfa", "compliantDevice"])
    assert verdict(either) is Enforcement.PARTLY
    assert mfa_policies([either])[0].limits == ("or compliantDevice instead",)
    both = policy(
        grantControls__builtInControls=["mfa", "compliantDevice"], grantControls__operator="AND"
    )
    assert verdict(both) is Enforcement.ENFORCED


def test_an_authentication_strength_requires_mfa() -> None:
    strength = policy(
        grantControls__builtInControls=[],
        grantControls__authenticationStrength={
            "id": "00000000-0000-0000-0000-000000000004",
            "displayName": "Phishing-resistant MFA",
        },
    )
    assert verdict(strength) is Enforcement.ENFORCED


def test_a_full_policy_wins_over_a_partial_one() -> None:
    partial = policy(conditions__clientAppTypes=["browser"], displayName="Browsers")
    full = policy(displayName="Everyone")
    found = evaluate(mfa_policies([partial, full]), Memberships(), ADELE, guest=False)
    assert (found.enforcement, found.by) == (Enforcement.ENFORCED, ("Everyone",))
