"""JSON shapes of directory objects, as the Graph v1.0 resource pages document them."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from sandbox.model import AuthMethod, Directory, DirectoryRole, Group, User

__all__ = [
    "NEVER",
    "USER_DEFAULT_PROPERTIES",
    "USER_PROPERTIES",
    "directory_user_json",
    "group_json",
    "license_assignment_states",
    "member_of",
    "method_json",
    "role_json",
    "stamp",
    "user_json",
]

# Graph's "no such sign-in" value inside a signInActivity that exists.
NEVER = "0001-01-01T00:00:00Z"

_POSTAL_CODES = {"Redmond": "98052", "Seattle": "98101", "Cairo": "11511"}

USER_DEFAULT_PROPERTIES = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)


def stamp(moment: datetime | None) -> str | None:
    """`yyyy-mm-ddThh:mm:ssZ` of the moment's own clock: the first 19 characters of
    `isoformat` (no microseconds, no offset), quicker than strftime; a user has several."""
    return f"{moment.isoformat(timespec='seconds')[:19]}Z" if moment else None


def _default_json(user: User) -> dict[str, Any]:
    """The default properties (user-list.md), in USER_DEFAULT_PROPERTIES' order."""
    return {
        "businessPhones": list(user.business_phones),
        "displayName": user.display_name,
        "givenName": user.given_name,
        "jobTitle": user.job_title,
        "mail": user.mail,
        "mobilePhone": user.mobile_phone,
        "officeLocation": user.office_location,
        "preferredLanguage": None if user.user_type == "Guest" else "en-US",
        "surname": user.surname,
        "userPrincipalName": user.user_principal_name,
        "id": user.id,
    }


def user_json(user: User) -> dict[str, Any]:
    """Every property the sandbox knows; callers project the default set or `$select`."""
    guest = user.user_type == "Guest"
    created = stamp(user.created)
    return {
        "id": user.id,
        **_default_json(user),
        "accountEnabled": user.account_enabled,
        "userType": user.user_type,
        "createdDateTime": created,
        "creationType": "Invitation" if guest else None,
        "externalUserState": "Accepted" if guest else None,
        "department": user.department,
        "companyName": user.company_name,
        "city": user.city,
        "country": user.country,
        "usageLocation": None if guest else user.usage_location,
        "postalCode": _POSTAL_CODES.get(user.city or ""),
        "identities": [_identity(user)],
        "employeeId": user.employee_id,
        "mailNickname": user.user_principal_name.split("@")[0].split("#")[0],
        "proxyAddresses": [f"SMTP:{user.mail}"] if user.mail and not guest else [],
        "otherMails": [user.mail] if guest and user.mail else [],
        "assignedLicenses": [{"disabledPlans": [], "skuId": sku} for sku in _licence_ids(user)],
        "licenseAssignmentStates": license_assignment_states(user),
        "onPremisesSyncEnabled": True if user.on_premises_sync else None,
        "onPremisesSamAccountName": user.given_name if user.on_premises_sync else None,
        "onPremisesLastSyncDateTime": created if user.on_premises_sync else None,
        "lastPasswordChangeDateTime": stamp(user.password_changed) or created,
        "signInSessionsValidFromDateTime": stamp(user.sessions_valid_from) or created,
        "passwordProfile": {
            "password": None,  # Graph never returns it
            "forceChangePasswordNextSignIn": user.force_change_password,
            "forceChangePasswordNextSignInWithMfa": user.force_change_password_with_mfa,
        },
        "signInActivity": sign_in_activity(user),
    }


def _licence_ids(user: User) -> list[str]:
    """Every SKU the user holds, directly or through a group, once each."""
    return list(dict.fromkeys((*user.sku_ids, *(sku for sku, _ in user.inherited_licenses))))


def license_assignment_states(user: User) -> list[dict[str, Any]]:
    """One state per assignment (licenseassignmentstate.md): `assignedByGroup` is null for a
    direct assignment and the group's id for one inherited through group-based licensing."""
    assignments = [(sku, None) for sku in user.sku_ids] + list(user.inherited_licenses)
    updated = stamp(user.created)
    return [
        {
            "assignedByGroup": group_id,
            "disabledPlans": [],
            "error": "None",
            "lastUpdatedDateTime": updated,
            "skuId": sku,
            "state": "Active",
        }
        for sku, group_id in assignments
    ]


def directory_user_json(user: User) -> dict[str, Any]:
    """A user inside a directoryObject collection: typed, with the default properties."""
    return {"@odata.type": "#microsoft.graph.user", **_default_json(user)}


def _identity(user: User) -> dict[str, str | None]:
    if user.user_type == "Guest":
        return {"signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": None}
    return {
        "signInType": "userPrincipalName",
        "issuer": user.user_principal_name.partition("@")[2],
        "issuerAssignedId": user.user_principal_name,
    }


def sign_in_activity(user: User) -> dict[str, Any] | None:
    """None for a user who never signed in; "0001-01-01T00:00:00Z" for a kind never used.
    The interactive and non-interactive times count failed attempts as well; the successful
    one only successes (signinactivity.md)."""
    moments = (user.last_sign_in, user.last_non_interactive_sign_in, user.last_successful_sign_in)
    if all(moment is None for moment in moments):
        return None
    body: dict[str, Any] = {}
    for kind, moment, request_id in zip(
        _SIGN_IN_KINDS, moments, _request_ids(user.id), strict=True
    ):
        body[f"last{kind}DateTime"] = stamp(moment) or NEVER
        body[f"last{kind}RequestId"] = request_id if moment else ""
    return body


_SIGN_IN_KINDS = ("SignIn", "NonInteractiveSignIn", "SuccessfulSignIn")


@lru_cache(maxsize=1 << 14)
def _request_ids(user_id: str) -> tuple[str, ...]:
    """Stable made-up request ids, one per kind of sign-in. uuid5 costs more than the rest of
    a user's rendering, and every listing that selects signInActivity renders them again."""
    namespace = uuid.UUID(user_id)
    return tuple(str(uuid.uuid5(namespace, kind)) for kind in _SIGN_IN_KINDS)


def group_json(group: Group) -> dict[str, Any]:
    unified = "Unified" in group.group_types
    return {
        "@odata.type": "#microsoft.graph.group",
        "id": group.id,
        "deletedDateTime": None,
        "classification": None,
        "createdDateTime": stamp(group.created),
        "description": group.description,
        "displayName": group.display_name,
        "groupTypes": list(group.group_types),
        "isAssignableToRole": group.is_assignable_to_role,
        "mail": group.mail,
        "mailEnabled": group.mail_enabled,
        "mailNickname": group.mail_nickname,
        "membershipRule": group.membership_rule,
        "membershipRuleProcessingState": "On" if group.membership_rule else None,
        "onPremisesSyncEnabled": True if group.on_premises_sync else None,
        "resourceProvisioningOptions": list(group.resource_provisioning_options),
        "securityEnabled": group.security_enabled,
        "visibility": "Private" if unified else None,
    }


def role_json(role: DirectoryRole) -> dict[str, Any]:
    return {
        "id": role.object_id,
        "deletedDateTime": None,
        "description": role.description,
        "displayName": role.display_name,
        "roleTemplateId": role.template_id,
    }


def method_json(method: AuthMethod) -> dict[str, Any]:
    return {
        "@odata.type": f"#microsoft.graph.{method.kind}AuthenticationMethod",
        "id": method.id,
        **method.properties,
    }


def member_of(directory: Directory, user: User) -> list[dict[str, Any]]:
    """Direct memberships: groups, then the directory roles the user holds."""
    groups = [group_json(g) for g in directory.groups.values() if user.id in g.member_ids]
    held = {a.role_template_id for a in directory.role_assignments if a.principal_id == user.id}
    role_type = {"@odata.type": "#microsoft.graph.directoryRole"}
    roles = [{**role_type, **role_json(directory.roles[template])} for template in sorted(held)]
    return groups + roles


# Every property name a user can be selected by, taken from the one function that writes them.
USER_PROPERTIES = frozenset(user_json(User("", "sample@example.com", "", None, None, None)))
