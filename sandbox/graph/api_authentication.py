"""Authentication methods, per-user MFA state (beta) and the registration-details report."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sandbox.model import User

from .api_users import find_user, no_premium
from .call import GraphCall, GraphResult, Route, ok
from .entities import method_json, stamp
from .errors import not_found
from .query import Rendered, kept, page, parse_collection_query

__all__ = ["ROUTES"]

METHODS_READ = ("UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All")
REQUIREMENTS_READ = ("Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod")
REPORT_READ = ("AuditLog.Read.All", "UserAuthenticationMethod.Read.All")

# Method type -> the name userRegistrationDetails.methodsRegistered uses for it.
_REGISTERED_NAMES = {
    "microsoftAuthenticator": "microsoftAuthenticatorPush",
    "phone": "mobilePhone",
    "fido2": "passKeyDeviceBound",
    "softwareOath": "softwareOneTimePasscode",
    "windowsHelloForBusiness": "windowsHelloForBusiness",
    "email": "email",
    "temporaryAccessPass": "temporaryAccessPass",
}
_MFA_CAPABLE = frozenset(
    {"microsoftAuthenticator", "phone", "fido2", "softwareOath", "windowsHelloForBusiness"}
)
_PASSWORDLESS = frozenset({"fido2", "windowsHelloForBusiness"})
_SYSTEM_PREFERRED = (("fido2", "Fido2"), ("microsoftAuthenticator", "push"), ("phone", "sms"))


async def list_methods(call: GraphCall) -> GraphResult:
    call.require(*METHODS_READ)
    user = find_user(call)
    return ok(
        {
            "@odata.context": call.context(f"users('{user.id}')/authentication/methods"),
            "value": [method_json(method) for method in user.methods],
        }
    )


async def get_requirements(call: GraphCall) -> GraphResult:
    call.require(*REQUIREMENTS_READ)
    user = find_user(call)
    return ok(
        {
            "@odata.context": call.context(
                f"users('{user.id}')/authentication/requirements/$entity"
            ),
            "perUserMfaState": user.per_user_mfa,
        }
    )


def registration_json(admins: frozenset[str], updated: str | None, user: User) -> dict[str, Any]:
    kinds = [m.kind for m in user.methods if m.kind in _REGISTERED_NAMES]
    mfa = any(kind in _MFA_CAPABLE for kind in kinds)
    preferred = [name for kind, name in _SYSTEM_PREFERRED if kind in kinds][:1]
    return {
        "id": user.id,
        "userPrincipalName": user.user_principal_name,
        "userDisplayName": user.display_name,
        "userType": user.user_type.lower(),
        "isAdmin": user.id in admins,
        "isSsprRegistered": mfa or "email" in kinds,
        "isSsprEnabled": False,
        "isSsprCapable": False,
        "isMfaRegistered": mfa,
        "isMfaCapable": mfa and user.account_enabled,
        "isPasswordlessCapable": any(kind in _PASSWORDLESS for kind in kinds),
        "lastUpdatedDateTime": updated,
        "methodsRegistered": [_REGISTERED_NAMES[kind] for kind in kinds],
        "isSystemPreferredAuthenticationMethodEnabled": True,
        "systemPreferredAuthenticationMethods": preferred,
        "userPreferredMethodForSecondaryAuthentication": preferred[0].lower()
        if preferred
        else "none",
    }


def _report_row(call: GraphCall) -> Callable[[User], dict[str, Any]]:
    """A user's row of the report, once the caller may read it."""
    call.require(*REPORT_READ)
    directory = call.tenant.directory
    if not directory.has_premium:
        raise no_premium()
    return partial(registration_json, directory.admin_ids(), stamp(directory.created))


async def list_registration_details(call: GraphCall) -> GraphResult:
    rows = Rendered(list(call.tenant.directory.users.values()), _report_row(call))
    query = parse_collection_query(call, "userRegistrationDetails", advanced_rules=False)
    context = "reports/authenticationMethods/userRegistrationDetails"
    return ok(page(call, kept(rows, query.filter), query, context=context))


async def get_registration_details(call: GraphCall) -> GraphResult:
    """By object id only: the report's rows are keyed by id, not userPrincipalName."""
    row = _report_row(call)
    user = call.tenant.directory.users.get(call.params["user"].lower())
    if user is None:
        raise not_found(call.params["user"])
    context = call.context("reports/authenticationMethods/userRegistrationDetails/$entity")
    return ok({"@odata.context": context, **row(user)})


_REPORT = "/reports/authenticationMethods/userRegistrationDetails"

ROUTES = (
    Route("GET", "/users/{user}/authentication/methods", list_methods),
    Route("GET", "/users/{user}/authentication/requirements", get_requirements, ("beta",)),
    Route("GET", _REPORT, list_registration_details),
    Route("GET", f"{_REPORT}/{{user}}", get_registration_details),
)
