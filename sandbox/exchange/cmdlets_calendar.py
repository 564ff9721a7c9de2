"""A calendar's delegates: Get-MailboxFolderStatistics -FolderScope Calendar to learn the
folder's name (localised: "Kalender", "Calendrier"), then Get-, Add- and
Remove-MailboxFolderPermission on `mailbox:\\<name>`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sandbox.model import User
from sandbox.tenant import SandboxTenant

from .cmdlet import Handler, Output
from .errors import access_rights, bad_parameter, check_params, not_found, refused
from .mailboxes import FolderGrant, MailboxState
from .recipients import alias, directory_user, mailbox_user

__all__ = ["CMDLETS"]

_STATS_PARAMS = {"identity", "folderscope", "includeoldestandnewestitems", "includeanalysis"}
_FOLDER_GET_PARAMS = {"identity", "user", "groupmailbox"}
_FOLDER_ADD_PARAMS = {
    "identity",
    "user",
    "accessrights",
    "sharingpermissionflags",
    "sendnotificationtouser",
}
_FOLDER_REMOVE_PARAMS = {"identity", "user", "resetdelegateuserpermissions", "forcesave"}
_FOLDER_SCOPES = {
    "all", "archive", "calendar", "contacts", "conversationhistory", "deleteditems", "drafts",
    "inbox", "junkemail", "journal", "legacyarchivejournals", "managedcustomfolder",
    "nonipmroot", "notes", "outbox", "personal", "recoverableitems", "rsssubscriptions",
    "sentitems", "syncissues", "tasks",
}  # fmt: skip
_FOLDER_ROLES = {
    "none", "owner", "publishingeditor", "editor", "publishingauthor", "author",
    "noneditingauthor", "reviewer", "contributor", "availabilityonly", "limiteddetails",
    "createitems", "createsubfolders", "deleteallitems", "deleteowneditems", "editallitems",
    "editowneditems", "foldercontact", "folderowner", "foldervisible", "readitems",
}  # fmt: skip
_DEFAULT_ENTRIES = (("Default", ["AvailabilityOnly"]), ("Anonymous", ["None"]))
_STORE_TASKS = "Microsoft.Exchange.Management.StoreTasks"


def _folder_json(owner: User, path: str, kind: str) -> dict[str, Any]:
    return {
        "Name": path.rsplit("/", 1)[-1],
        "FolderPath": f"/{path}",
        "FolderType": kind,
        "Identity": f"{alias(owner)}\\{path.replace('/', chr(92))}",
        "ItemsInFolder": 0,
    }


def _folder_statistics(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _STATS_PARAMS, required=("Identity",))
    owner = mailbox_user(tenant, folded["identity"])
    scope = str(folded.get("folderscope") or "All").casefold()
    if scope not in _FOLDER_SCOPES:
        raise bad_parameter(
            f"Cannot process argument transformation on parameter 'FolderScope'. \"{scope}\" "
            "is not a valid folder scope."
        )
    calendar = tenant.exchange.state(owner.id).calendar_name
    # Calendar subfolders the service creates; the calendar itself is the one to ask for.
    folders = [
        _folder_json(owner, calendar, "Calendar"),
        _folder_json(owner, f"{calendar}/Birthdays", "BirthdayCalendar"),
        _folder_json(owner, f"{calendar}/United States holidays", "User Created"),
    ]
    if scope == "all":
        return Output([_folder_json(owner, "Inbox", "Inbox"), *folders])
    return Output(folders if scope == "calendar" else [])


def _calendar_of(tenant: SandboxTenant, identity: Any) -> tuple[User, MailboxState]:
    """The mailbox of `mailbox:\\folder`, when the folder is its calendar (the only folder
    whose permissions the sandbox keeps)."""
    text = str(identity or "")
    mailbox, _, folder = text.partition(":\\")
    owner = mailbox_user(tenant, mailbox)
    state = tenant.exchange.state(owner.id)
    if folder.strip("\\/").casefold() != state.calendar_name.casefold():
        raise not_found(text)
    return owner, state


def _entry(
    owner: User, state: MailboxState, name: str, kind: str, rights: list[str]
) -> dict[str, Any]:
    return {
        "Identity": f"{alias(owner)}:\\{state.calendar_name}\\{name}",
        "FolderName": state.calendar_name,
        "User": {"DisplayName": name, "UserType": kind},
        "AccessRights": rights,
        "SharingPermissionFlags": None,
    }


def _grant_json(
    tenant: SandboxTenant, owner: User, state: MailboxState, grant: FolderGrant
) -> dict[str, Any]:
    user = tenant.directory.users[grant.user_id]
    return _entry(owner, state, user.display_name, "Internal", list(grant.access_rights))


def _get_folder_permissions(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _FOLDER_GET_PARAMS, required=("Identity",))
    owner, state = _calendar_of(tenant, folded["identity"])
    entries = [_entry(owner, state, name, name, rights) for name, rights in _DEFAULT_ENTRIES]
    entries += [_grant_json(tenant, owner, state, g) for g in state.calendar]
    if folded.get("user"):
        user = directory_user(tenant, folded["user"])
        entries = [e for e in entries if e["User"]["DisplayName"] == user.display_name]
    return Output(entries)


def _add_folder_permission(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _FOLDER_ADD_PARAMS, required=("Identity", "User", "AccessRights"))
    owner, state = _calendar_of(tenant, folded["identity"])
    user = directory_user(tenant, folded["user"])
    rights = access_rights(folded["accessrights"])
    unknown = [r for r in rights if r.casefold() not in _FOLDER_ROLES]
    if unknown:
        raise bad_parameter(
            "Cannot process argument transformation on parameter 'AccessRights'. "
            f'"{unknown[0]}" is not a valid folder permission role or right.'
        )
    if any(g.user_id == user.id for g in state.calendar):
        raise refused(
            f"{_STORE_TASKS}.UserAlreadyExistsInPermissionEntryException",
            f"An existing permission entry was found for user: {user.display_name}.",
        )
    grant = FolderGrant(user.id, tuple(rights))
    tenant.exchange.put(owner.id, replace(state, calendar=(*state.calendar, grant)))
    return Output([_grant_json(tenant, owner, state, grant)])


def _remove_folder_permission(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _FOLDER_REMOVE_PARAMS, required=("Identity", "User"))
    owner, state = _calendar_of(tenant, folded["identity"])
    user = directory_user(tenant, folded["user"])
    kept = tuple(g for g in state.calendar if g.user_id != user.id)
    if kept == state.calendar:
        raise refused(
            f"{_STORE_TASKS}.UserNotFoundInPermissionEntryException",
            f"There is no existing permission entry found for user: {user.display_name}.",
        )
    tenant.exchange.put(owner.id, replace(state, calendar=kept))
    return Output()


CMDLETS: dict[str, Handler] = {
    "get-mailboxfolderstatistics": _folder_statistics,
    "get-mailboxfolderpermission": _get_folder_permissions,
    "add-mailboxfolderpermission": _add_folder_permission,
    "remove-mailboxfolderpermission": _remove_folder_permission,
}
