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
rbacapplication-list-roledefinitions, *authenticationmethod-delete, group-list-owners,
group-post-owners, group-delete-owners, user-list-ownedobjects, drive-get,
temporaryaccesspassauthenticationmethodconfiguration-get;
User.DeleteRestore.All per What's new, January 2025).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache

__all__ = ["Requirement", "covered", "covering", "required_permission"]

# The higher-privileged permissions the pages list beside the least-privileged one.
_USER_READ = ("User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
_USER_WRITE = ("User.ReadWrite.All", "Directory.ReadWrite.All")
_DIRECTORY_WRITE = ("Directory.ReadWrite.All",)
_GROUP_READ = (
    "Group.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
_MEMBERS_WRITE = ("Group.ReadWrite.All", "Directory.ReadWrite.All")
_ORGANIZATION_READ = ("Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
_ROLES_READ = (
    "RoleManagement.Read.All",
    "Directory.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.ReadWrite.All",
)
_METHODS_READ = ("UserAuthenticationMethod.ReadWrite.All",)
_MAILBOX_READ = ("MailboxSettings.ReadWrite",)


@dataclass(frozen=True, slots=True)
class Requirement:
    """`field`, when set, applies the row only when the call selects or writes that property;
    `higher` are the page's higher-privileged permissions, each enough on its own."""

    method: str
    template: str
    permission: str
    field: str | None = None
    higher: tuple[str, ...] = ()

    @property
    def accepted(self) -> frozenset[str]:
        return frozenset((self.permission, *self.higher))

    def pattern(self) -> re.Pattern[str]:
        literals = re.split(r"\{[^}]+\}", self.template)
        return re.compile("[^/]+".join(re.escape(part) for part in literals), re.IGNORECASE)


def _row(
    method: str, template: str, permission: str, *higher: str, field: str | None = None
) -> Requirement:
    return Requirement(method, template, permission, field, higher)


# Rows with a field come before the row for the same call without one.
_TABLE = (
    _row("GET", "/users/{id}", "AuditLog.Read.All", field="signInActivity"),
    _row("GET", "/users", "AuditLog.Read.All", field="signInActivity"),
    _row("GET", "/users/{id}", "User.Read.All", *_USER_READ),
    _row("GET", "/users", "User.Read.All", *_USER_READ),
    _row("GET", "/users/{id}/manager", "User.Read.All", *_USER_READ),
    _row("GET", "/users/{id}/memberOf", "Directory.Read.All", "Directory.ReadWrite.All"),
    _row("GET", "/users/{id}/transitiveMemberOf", "Directory.Read.All", "Directory.ReadWrite.All"),
    _row(
        "GET",
        "/users/{id}/authentication/methods",
        "UserAuthenticationMethod.Read.All",
        *_METHODS_READ,
    ),
    # Reading per-user MFA needs only Policy.Read.All (beta authentication-get-3-permissions).
    _row(
        "GET",
        "/users/{id}/authentication/requirements",
        "Policy.Read.All",
        "Policy.ReadWrite.AuthenticationMethod",
    ),
    _row(
        "PATCH", "/users/{id}/authentication/requirements", "Policy.ReadWrite.AuthenticationMethod"
    ),
    _row(
        "POST",
        "/users/{id}/authentication/temporaryAccessPassMethods",
        "UserAuthenticationMethod.ReadWrite.All",
    ),
    _row("GET", "/reports/authenticationMethods/userRegistrationDetails", "AuditLog.Read.All"),
    _row("GET", "/reports/authenticationMethods/userRegistrationDetails/{id}", "AuditLog.Read.All"),
    _row(
        "GET",
        "/subscribedSkus",
        "Organization.Read.All",
        "LicenseAssignment.Read.All",
        *_ORGANIZATION_READ,
    ),
    _row(
        "GET",
        "/roleManagement/directory/roleAssignments",
        "RoleManagement.Read.Directory",
        *_ROLES_READ,
    ),
    _row("GET", "/auditLogs/signIns", "AuditLog.Read.All"),
    _row(
        "GET",
        "/domains",
        "Domain.Read.All",
        "Domain.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ),
    _row(
        "PATCH",
        "/users/{id}",
        "User-PasswordProfile.ReadWrite.All",
        "User.ReadWrite.All",
        field="passwordProfile",
    ),
    # user-update.md: User.EnableDisableAccount.All (with User.Read.All) is least privileged.
    _row(
        "PATCH",
        "/users/{id}",
        "User.EnableDisableAccount.All",
        *_USER_WRITE,
        field="accountEnabled",
    ),
    _row("PATCH", "/users/{id}", "User.ReadUpdate.All", *_USER_WRITE, field="usageLocation"),
    _row("PATCH", "/users/{id}", "User.ReadWrite.All", *_DIRECTORY_WRITE),
    _row("PATCH", "/users/{id}/mailboxSettings", "MailboxSettings.ReadWrite"),
    _row(
        "GET", "/users/{id}/mailFolders/inbox/messageRules", "MailboxSettings.Read", *_MAILBOX_READ
    ),
    _row("PATCH", "/users/{id}/mailFolders/inbox/messageRules/{id}", "MailboxSettings.ReadWrite"),
    _row("GET", "/users/{id}/mailboxSettings", "MailboxSettings.Read", *_MAILBOX_READ),
    _row(
        "GET",
        "/users/{id}/mailboxSettings/automaticRepliesSetting",
        "MailboxSettings.Read",
        *_MAILBOX_READ,
    ),
    _row("POST", "/users", "User.Create", *_USER_WRITE),
    _row("POST", "/users/{id}/revokeSignInSessions", "User.RevokeSessions.All", *_USER_WRITE),
    _row("POST", "/users/{id}/assignLicense", "LicenseAssignment.ReadWrite.All", *_USER_WRITE),
    _row("DELETE", "/groups/{id}/members/{id}/$ref", "GroupMember.ReadWrite.All", *_MEMBERS_WRITE),
    _row("POST", "/groups/{id}/members/$ref", "GroupMember.ReadWrite.All", *_MEMBERS_WRITE),
    _row("GET", "/groups", "GroupMember.Read.All", *_GROUP_READ),
    _row("GET", "/groups/{id}", "GroupMember.Read.All", *_GROUP_READ),
    _row("GET", "/groups/{id}/members", "GroupMember.Read.All", *_GROUP_READ),
    _row("GET", "/groups/{id}/owners", "GroupMember.Read.All", *_GROUP_READ),
    _row("POST", "/groups/{id}/owners/$ref", "Group.ReadWrite.All", *_DIRECTORY_WRITE),
    _row("DELETE", "/groups/{id}/owners/{id}/$ref", "Group.ReadWrite.All", *_DIRECTORY_WRITE),
    _row("GET", "/users/{id}/ownedObjects", "User.Read.All", *_USER_READ),
    _row(
        "GET",
        "/users/{id}/drive",
        "Files.Read.All",
        "Files.ReadWrite.All",
        "Sites.Read.All",
        "Sites.ReadWrite.All",
    ),
    _row("PUT", "/users/{id}/manager/$ref", "User.ReadWrite.All", *_DIRECTORY_WRITE),
    _row("GET", "/organization", "Organization.Read.All", *_ORGANIZATION_READ),
    _row(
        "GET",
        "/roleManagement/directory/roleEligibilitySchedules",
        "RoleManagement.Read.Directory",
        "RoleEligibilitySchedule.Read.Directory",
        "RoleEligibilitySchedule.ReadWrite.Directory",
        "RoleManagement.Read.All",
        "RoleManagement.ReadWrite.Directory",
    ),
    _row(
        "GET",
        "/roleManagement/directory/roleDefinitions",
        "RoleManagement.Read.Directory",
        *_ROLES_READ,
    ),
    _row(
        "GET",
        "/users/{id}/authentication/temporaryAccessPassMethods",
        "UserAuthenticationMethod.Read.All",
        *_METHODS_READ,
    ),
    _row(
        "DELETE", "/users/{id}/authentication/{kind}/{id}", "UserAuthenticationMethod.ReadWrite.All"
    ),
    _row(
        "GET",
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}",
        "Policy.Read.AuthenticationMethod",
        "Policy.Read.All",
        "Policy.ReadWrite.AuthenticationMethod",
    ),
    _row("POST", "/directory/deletedItems/{id}/restore", "User.DeleteRestore.All", *_USER_WRITE),
    _row("DELETE", "/users/{id}", "User.DeleteRestore.All", "User.ReadWrite.All"),
    _row(
        "GET",
        "/directory/deletedItems/microsoft.graph.user",
        "User.DeleteRestore.All",
        "User.Read.All",
        *_USER_READ,
    ),
    # serviceprincipal-get, serviceprincipal-list-approleassignments (what doctor reads).
    _row(
        "GET",
        "/servicePrincipals(appId='{id}')",
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ),
    _row(
        "GET",
        "/servicePrincipals/{id}",
        "Application.Read.All",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ),
    _row(
        "GET",
        "/servicePrincipals(appId='{id}')/appRoleAssignments",
        "Application.Read.All",
        "AppRoleAssignment.ReadWrite.All",
        "Application.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ),
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


@cache
def covering(permission: str) -> frozenset[str]:
    """The grants that stand in for `permission`: those every call needing it at least
    accepts, by the calls' documented tables. A permission no call here needs (Exchange's)
    is covered by itself only."""
    rows = [row.accepted for row in _TABLE if row.permission == permission]
    return frozenset.intersection(*rows) if rows else frozenset({permission})


def covered(permission: str, granted: Iterable[str]) -> bool:
    return not covering(permission).isdisjoint(granted)
