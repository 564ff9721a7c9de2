"""The writes behind Deskhand's actions: `PATCH /users/{id}` and `revokeSignInSessions`.

Each write replaces the user's frozen record, so later reads see the change at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sandbox.model import User

from .api_users import USER_READ, find_user
from .call import GraphCall, GraphResult, Route, ok
from .entities import USER_PROPERTIES
from .errors import GraphError, bad_request
from .password_rules import check_password_reset

__all__ = ["ROUTES"]

# user-update.md and user-revokesigninsessions.md: application permissions per kind of change.
_READ_WRITE = ("User.ReadWrite.All", "Directory.ReadWrite.All")
_ENABLE_DISABLE = "User.EnableDisableAccount.All"
_PASSWORD = ("User-PasswordProfile.ReadWrite.All", "User.ReadWrite.All")
_REVOKE = ("User.RevokeSessions.All", *_READ_WRITE)
# user-update.md (2026): User.ReadUpdate.All is least privileged for profile properties,
# User-Phone.ReadWrite.All for mobilePhone and businessPhones.
_PROFILE = ("User.ReadUpdate.All", *_READ_WRITE)
_PHONE = ("User-Phone.ReadWrite.All", *_READ_WRITE)

# Writable profile properties -> the record's field. All but usageLocation are mastered
# on-premises for synced users.
_PROFILE_FIELDS = {
    "jobTitle": "job_title",
    "department": "department",
    "officeLocation": "office_location",
    "city": "city",
    "country": "country",
    "mobilePhone": "mobile_phone",
    "companyName": "company_name",
    "employeeId": "employee_id",
    "displayName": "display_name",
    "givenName": "given_name",
    "surname": "surname",
    "usageLocation": "usage_location",
}
_CLOUD_ONLY = frozenset({"usageLocation"})
_ACCOUNT = "accountEnabled"
_PASSWORD_PROFILE = "passwordProfile"
_PASSWORD_FLAGS = {
    "forceChangePasswordNextSignIn": "force_change_password",
    "forceChangePasswordNextSignInWithMfa": "force_change_password_with_mfa",
}


def _synced_refusal() -> GraphError:
    return bad_request(
        "Unable to update the specified properties for on-premises mastered Directory Sync "
        "objects or objects currently undergoing migration.",
        "Request_BadRequest",
    )


def _not_a_property(name: str) -> GraphError:
    if name in USER_PROPERTIES:
        return bad_request(f"Property '{name}' is read-only and cannot be set.")
    return bad_request(
        f"The property '{name}' does not exist on type 'microsoft.graph.user'. Make sure to "
        "only use property names that are defined by the type or mark the type as open type."
    )


def _wrong_type(value: Any, edm_type: str) -> GraphError:
    return bad_request(f"Cannot convert the literal '{value}' to the expected type '{edm_type}'.")


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(value, "Edm.Boolean")
    return value


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _wrong_type(value, "Edm.String")
    return value


def _check_permissions(call: GraphCall, changes: dict[str, Any]) -> None:
    """Graph checks every changed property's permission before it changes anything."""
    for name in changes:
        if name == _ACCOUNT:
            # The least-privileged pair is User.EnableDisableAccount.All plus User.Read.All.
            if not (call.has(_ENABLE_DISABLE) and call.roles.intersection(USER_READ)):
                call.require(*_READ_WRITE)
        elif name == _PASSWORD_PROFILE:
            call.require(*_PASSWORD)
        elif name == "mobilePhone":
            call.require(*_PHONE)
        elif name in _PROFILE_FIELDS:
            call.require(*_PROFILE)
        else:
            raise _not_a_property(name)


def _password_profile(call: GraphCall, user: User, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong_type(value, "microsoft.graph.passwordProfile")
    fields: dict[str, Any] = {}
    for name, item in value.items():
        if name in _PASSWORD_FLAGS:
            fields[_PASSWORD_FLAGS[name]] = _boolean(item)
        elif name != "password":
            raise bad_request(
                f"The property '{name}' does not exist on type 'microsoft.graph.passwordProfile'."
            )
    password = _text(value.get("password"))
    check_password_reset(call.tenant, user, password)
    if password is not None:
        fields["password_changed"] = datetime.now(UTC)
    return fields


def _changes(call: GraphCall, user: User, body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in body.items():
        if name == _ACCOUNT:
            fields["account_enabled"] = _boolean(value)
        elif name == _PASSWORD_PROFILE:
            fields.update(_password_profile(call, user, value))
        else:
            fields[_PROFILE_FIELDS[name]] = _text(value)
    return fields


async def update_user(call: GraphCall) -> GraphResult:
    """204 No Content on success, as user-update.md documents."""
    body = call.body
    if not isinstance(body, dict) or not body:
        raise bad_request("Empty Payload. JSON content expected.")
    _check_permissions(call, body)
    user = find_user(call)
    if user.on_premises_sync and not set(body) <= _CLOUD_ONLY:
        raise _synced_refusal()
    call.tenant.directory.add_user(replace(user, **_changes(call, user, body)))
    return GraphResult(204, None)


async def revoke_sign_in_sessions(call: GraphCall) -> GraphResult:
    call.require(*_REVOKE)
    user = find_user(call)
    call.tenant.directory.add_user(replace(user, sessions_valid_from=datetime.now(UTC)))
    return ok({"@odata.context": call.context("Edm.Boolean"), "value": True})


ROUTES = (
    Route("PATCH", "/users/{user}", update_user),
    Route("POST", "/users/{user}/revokeSignInSessions", revoke_sign_in_sessions),
)
