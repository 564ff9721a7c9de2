"""The least-privileged application permission behind each Graph call Deskhand makes.

A 403 `Authorization_RequestDenied` does not say what is missing; this table does, so the
technician can ask for exactly that permission. Sources: each API's "Permissions" section in
the Microsoft Graph reference (user-get, user-list-memberof, user-list-manager,
authentication-list-methods, authenticationmethodsroot-list-userregistrationdetails,
subscribedsku-list, rbacapplication-list-roleassignments, authentication-get (beta),
user-update, user-revokesigninsessions, user-assignlicense, group-delete-members,
authentication-post-temporaryaccesspassmethods, user-post-users, signin-list, domain-list,
user-update-mailboxsettings, user-get-mailboxsettings, mailfolder-list-messagerules,
messagerule-update, directory-deleteditems-restore,
user-delete, directory-deleteditems-list, group-list, group-post-members, user-post-manager,
organization-list, rbacapplication-list-roleeligibilityschedules,
rbacapplication-list-roledefinitions, *authenticationmethod-delete,
temporaryaccesspassauthenticationmethodconfiguration-get;
User.DeleteRestore.All per What's new, January 2025).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

__all__ = ["Requirement", "required_permission"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """`field`, when set, applies the row only when the call selects or writes that property."""

    method: str
    template: str
    permission: str
    field: str | None = None

    def pattern(self) -> re.Pattern[str]:
        parts = (
            "[^/]+" if segment.startswith("{") else re.escape(segment)
            for segment in self.template.split("/")
        )
        return re.compile("/".join(parts), re.IGNORECASE)


# Rows with a field come before the row for the same call without one.
_TABLE = (
    Requirement("GET", "/users/{id}", "AuditLog.Read.All", field="signInActivity"),
    Requirement("GET", "/users", "AuditLog.Read.All", field="signInActivity"),
    Requirement("GET", "/users/{id}", "User.Read.All"),
    Requirement("GET", "/users", "User.Read.All"),
    Requirement("GET", "/users/{id}/manager", "User.Read.All"),
    Requirement("GET", "/users/{id}/memberOf", "Directory.Read.All"),
    Requirement("GET", "/users/{id}/transitiveMemberOf", "Directory.Read.All"),
    Requirement("GET", "/users/{id}/authentication/methods", "UserAuthenticationMethod.Read.All"),
    # Reading per-user MFA needs only Policy.Read.All (beta authentication-get-3-permissions).
    Requirement("GET", "/users/{id}/authentication/requirements", "Policy.Read.All"),
    Requirement(
        "PATCH", "/users/{id}/authentication/requirements", "Policy.ReadWrite.AuthenticationMethod"
    ),
    Requirement(
        "POST",
        "/users/{id}/authentication/temporaryAccessPassMethods",
        "UserAuthenticationMethod.ReadWrite.All",
    ),
    Requirement(
        "GET", "/reports/authenticationMethods/userRegistrationDetails", "AuditLog.Read.All"
    ),
    Requirement(
        "GET", "/reports/authenticationMethods/userRegistrationDetails/{id}", "AuditLog.Read.All"
    ),
    Requirement("GET", "/subscribedSkus", "Organization.Read.All"),
    Requirement(
        "GET", "/roleManagement/directory/roleAssignments", "RoleManagement.Read.Directory"
    ),
    Requirement("GET", "/auditLogs/signIns", "AuditLog.Read.All"),
    Requirement("GET", "/domains", "Domain.Read.All"),
    Requirement("PATCH", "/users/{id}", "User-PasswordProfile.ReadWrite.All", "passwordProfile"),
    Requirement("PATCH", "/users/{id}", "User.EnableDisableAccount.All", field="accountEnabled"),
    Requirement("PATCH", "/users/{id}", "User.ReadWrite.All"),
    Requirement("PATCH", "/users/{id}/mailboxSettings", "MailboxSettings.ReadWrite"),
    Requirement("GET", "/users/{id}/mailFolders/inbox/messageRules", "MailboxSettings.Read"),
    Requirement(
        "PATCH", "/users/{id}/mailFolders/inbox/messageRules/{id}", "MailboxSettings.ReadWrite"
    ),
    Requirement("GET", "/users/{id}/mailboxSettings", "MailboxSettings.Read"),
    Requirement(
        "GET", "/users/{id}/mailboxSettings/automaticRepliesSetting", "MailboxSettings.Read"
    ),
    Requirement("POST", "/users", "User.Create"),
    Requirement("POST", "/users/{id}/revokeSignInSessions", "User.RevokeSessions.All"),
    Requirement("POST", "/users/{id}/assignLicense", "LicenseAssignment.ReadWrite.All"),
    Requirement("DELETE", "/groups/{id}/members/{id}/$ref", "GroupMember.ReadWrite.All"),
    Requirement("POST", "/groups/{id}/members/$ref", "GroupMember.ReadWrite.All"),
    Requirement("GET", "/groups", "GroupMember.Read.All"),
    Requirement("GET", "/groups/{id}", "GroupMember.Read.All"),
    Requirement("GET", "/groups/{id}/members", "GroupMember.Read.All"),
    Requirement("PUT", "/users/{id}/manager/$ref", "User.ReadWrite.All"),
    Requirement("GET", "/organization", "Organization.Read.All"),
    Requirement(
        "GET", "/roleManagement/directory/roleEligibilitySchedules", "RoleManagement.Read.Directory"
    ),
    Requirement(
        "GET", "/roleManagement/directory/roleDefinitions", "RoleManagement.Read.Directory"
    ),
    Requirement(
        "GET",
        "/users/{id}/authentication/temporaryAccessPassMethods",
        "UserAuthenticationMethod.Read.All",
    ),
    Requirement(
        "DELETE", "/users/{id}/authentication/{kind}/{id}", "UserAuthenticationMethod.ReadWrite.All"
    ),
    Requirement(
        "GET",
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}",
        "Policy.Read.AuthenticationMethod",
    ),
    Requirement("POST", "/directory/deletedItems/{id}/restore", "User.DeleteRestore.All"),
    Requirement("DELETE", "/users/{id}", "User.DeleteRestore.All"),
    Requirement("GET", "/directory/deletedItems/microsoft.graph.user", "User.DeleteRestore.All"),
)
_COMPILED = tuple((row, row.pattern()) for row in _TABLE)


def required_permission(method: str, path: str, fields: Collection[str] = ()) -> Requirement | None:
    """The row for a call; `path` has no version prefix, `fields` are $select or body keys."""
    folded = {f.casefold() for f in fields}
    for row, pattern in _COMPILED:
        if row.method != method.upper() or not pattern.fullmatch(path.rstrip("/")):
            continue
        if row.field is None or row.field.casefold() in folded:
            return row
    return None
