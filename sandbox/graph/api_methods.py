"""Writes to a user's authentication methods, the Temporary Access Pass policy, and per-user MFA.

- `GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`
  (temporaryaccesspassauthenticationmethodconfiguration-get.md): Policy.Read.All.
- `POST /users/{id}/authentication/temporaryAccessPassMethods`
  (authentication-post-temporaryaccesspassmethods.md): 201 with the pass, shown only in this
  answer; a new pass replaces the user's current one. List and get answer without the pass.
- `DELETE /users/{id}/authentication/{type}Methods/{id}` (one page per type, e.g.
  phoneauthenticationmethod-delete.md): 204. The password has no delete. Graph refuses to delete
  the user's default MFA method while other methods remain (observed error, see the README).
- beta `PATCH /users/{id}/authentication/requirements` `{"perUserMfaState": ...}`
  (beta authentication-update.md): 204, Policy.ReadWrite.AuthenticationMethod.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from sandbox.model import AuthMethod, TapPolicy, User

from .api_users import find_user
from .call import GraphCall, GraphHandler, GraphResult, Route, ok
from .entities import method_json, stamp
from .errors import bad_request, not_found

__all__ = ["ROUTES", "default_method"]

METHODS_WRITE = ("UserAuthenticationMethod.ReadWrite.All",)
METHODS_READ = ("UserAuthenticationMethod.Read.All", *METHODS_WRITE)
POLICY_READ = ("Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod")
MFA_STATE_WRITE = ("Policy.ReadWrite.AuthenticationMethod",)

# The collection under /authentication that holds each method type, and deletes it.
COLLECTIONS = {
    "emailMethods": "email",
    "fido2Methods": "fido2",
    "microsoftAuthenticatorMethods": "microsoftAuthenticator",
    "phoneMethods": "phone",
    "platformCredentialMethods": "platformCredential",
    "softwareOathMethods": "softwareOath",
    "temporaryAccessPassMethods": "temporaryAccessPass",
    "windowsHelloForBusinessMethods": "windowsHelloForBusiness",
}
_TAP = "temporaryAccessPass"
_PASS_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789+!@#$%"
_MIN_LIFETIME, _MAX_LIFETIME = 10, 43200  # the create page's bounds, whatever the policy says
_MOBILE, _ALTERNATE = "mobile", "alternateMobile"
# userPreferredMethodForSecondaryAuthentication can be push, oath, sms or voice: the sandbox
# takes the first of these the user has as their default method.
_DEFAULT_KINDS = ("microsoftAuthenticator", "softwareOath", "phone")
_MFA_STATES = ("enforced", "enabled", "disabled")


def default_method(user: User) -> AuthMethod | None:
    """The method Graph will not delete while the user has others."""
    for kind in _DEFAULT_KINDS:
        for method in user.methods:
            if method.kind == kind and method.properties.get("phoneType", _MOBILE) == _MOBILE:
                return method
    return None


# --- the Temporary Access Pass policy --------------------------------------------------------


def policy_json(policy: TapPolicy) -> dict[str, object]:
    return {
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
        "id": "TemporaryAccessPass",
        "state": policy.state,
        "defaultLifetimeInMinutes": policy.default_lifetime,
        "defaultLength": policy.default_length,
        "minimumLifetimeInMinutes": policy.minimum_lifetime,
        "maximumLifetimeInMinutes": policy.maximum_lifetime,
        "isUsableOnce": policy.is_usable_once,
        "includeTargets": [
            {"targetType": "group", "id": "all_users", "isRegistrationRequired": False}
        ],
        "excludeTargets": [],
    }


async def get_method_configuration(call: GraphCall) -> GraphResult:
    call.require(*POLICY_READ)
    # Graph matches the configuration id case-insensitively; only the TAP policy is served.
    if call.params["configuration"].casefold() != "temporaryaccesspass":
        raise not_found(call.params["configuration"])
    context = call.context("authenticationMethodConfigurations/$entity")
    return ok({"@odata.context": context, **policy_json(call.tenant.directory.tap_policy)})


# --- Temporary Access Passes -----------------------------------------------------------------


def _tap_request(call: GraphCall, policy: TapPolicy) -> tuple[int, bool]:
    body = call.body if isinstance(call.body, dict) else {}
    unknown = sorted(set(body) - {"lifetimeInMinutes", "isUsableOnce", "startDateTime"})
    if unknown:
        raise bad_request(f"Invalid property '{unknown[0]}'.", "badRequest")
    lifetime = body.get("lifetimeInMinutes", policy.default_lifetime)
    once = body.get("isUsableOnce", policy.is_usable_once)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int):
        raise bad_request("Invalid LifetimeInMinutes specified.", "badRequest")
    if not isinstance(once, bool):
        raise bad_request("Invalid IsUsableOnce specified.", "badRequest")
    low = max(policy.minimum_lifetime, _MIN_LIFETIME)
    high = min(policy.maximum_lifetime, _MAX_LIFETIME)
    if not low <= lifetime <= high:
        raise bad_request(
            f"Invalid LifetimeInMinutes specified. The valid range between {low} and {high}.",
            "badRequest",
        )
    if policy.is_usable_once and not once:
        raise bad_request(
            "The Temporary Access Pass policy only allows one-time use passes.", "badRequest"
        )
    return lifetime, once


async def create_temporary_access_pass(call: GraphCall) -> GraphResult:
    call.require(*METHODS_WRITE)
    user = find_user(call)
    policy = call.tenant.directory.tap_policy
    if policy.state != "enabled":
        raise bad_request(
            "Temporary Access Pass is not enabled for the tenant by the authentication methods "
            "policy.",
            "badRequest",
        )
    lifetime, once = _tap_request(call, policy)
    now = stamp(datetime.now(UTC))
    method = AuthMethod(
        _TAP,
        str(uuid.uuid4()),
        {
            "temporaryAccessPass": None,  # never read back: shown only in the create answer
            "createdDateTime": now,
            "startDateTime": now,
            "lifetimeInMinutes": lifetime,
            "isUsableOnce": once,
            "isUsable": True,
            "methodUsabilityReason": "EnabledByPolicy",
        },
    )
    # A user has one pass: the new one replaces any other, usable or not.
    kept = tuple(m for m in user.methods if m.kind != _TAP)
    call.tenant.directory.add_user(replace(user, methods=(*kept, method)))
    code = "".join(secrets.choice(_PASS_ALPHABET) for _ in range(policy.default_length))
    body = {**method_json(method), "temporaryAccessPass": code}
    context = f"users('{user.id}')/authentication/temporaryAccessPassMethods/$entity"
    return GraphResult(201, {"@odata.context": call.context(context), **body})


async def list_temporary_access_passes(call: GraphCall) -> GraphResult:
    call.require(*METHODS_READ)
    user = find_user(call)
    context = f"users('{user.id}')/authentication/temporaryAccessPassMethods"
    passes = [method_json(m) for m in user.methods if m.kind == _TAP]
    return ok({"@odata.context": call.context(context), "value": passes})


async def get_temporary_access_pass(call: GraphCall) -> GraphResult:
    call.require(*METHODS_READ)
    user = find_user(call)
    method = _method(user, _TAP, call.params["method"])
    context = f"users('{user.id}')/authentication/temporaryAccessPassMethods/$entity"
    return ok({"@odata.context": call.context(context), **method_json(method)})


# --- deleting methods ------------------------------------------------------------------------


def _method(user: User, kind: str, method_id: str) -> AuthMethod:
    for method in user.methods:
        if method.kind == kind and method.id.casefold() == method_id.casefold():
            return method
    raise not_found(method_id)


def _refuse_delete(user: User, method: AuthMethod) -> None:
    others = [m for m in user.methods if m.kind != "password" and m is not method]
    if method is default_method(user) and others:
        raise bad_request(
            "Cannot delete default method with other methods configured. Please change default "
            "method before deletion.",
            "badRequest",
        )
    if method.properties.get("phoneType") == _MOBILE and any(
        m.properties.get("phoneType") == _ALTERNATE for m in others
    ):
        raise bad_request(
            "A user can't have an alternateMobile phone without a mobile phone. Delete the "
            "alternateMobile phone first.",
            "badRequest",
        )


def _delete_handler(kind: str) -> GraphHandler:
    async def delete_method(call: GraphCall) -> GraphResult:
        call.require(*METHODS_WRITE)
        user = find_user(call)
        method = _method(user, kind, call.params["method"])
        _refuse_delete(user, method)
        kept = tuple(m for m in user.methods if m is not method)
        call.tenant.directory.add_user(replace(user, methods=kept))
        return GraphResult(204, None)

    return delete_method


# --- per-user MFA (beta) ---------------------------------------------------------------------


async def update_requirements(call: GraphCall) -> GraphResult:
    call.require(*MFA_STATE_WRITE)
    user = find_user(call)
    body = call.body if isinstance(call.body, dict) else {}
    state = body.get("perUserMfaState")
    if set(body) != {"perUserMfaState"} or state not in _MFA_STATES:
        raise bad_request(
            "Invalid request body: perUserMfaState must be one of enforced, enabled, disabled.",
            "badRequest",
        )
    call.tenant.directory.add_user(replace(user, per_user_mfa=str(state)))
    return GraphResult(204, None)


_AUTH = "/users/{user}/authentication"
_POLICY = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{configuration}"

ROUTES = (
    Route("GET", _POLICY, get_method_configuration),
    Route("POST", f"{_AUTH}/temporaryAccessPassMethods", create_temporary_access_pass),
    Route("GET", f"{_AUTH}/temporaryAccessPassMethods", list_temporary_access_passes),
    Route("GET", f"{_AUTH}/temporaryAccessPassMethods/{{method}}", get_temporary_access_pass),
    *(
        Route("DELETE", f"{_AUTH}/{collection}/{{method}}", _delete_handler(kind))
        for collection, kind in COLLECTIONS.items()
    ),
    Route("PATCH", f"{_AUTH}/requirements", update_requirements, ("beta",)),
)
