"""Who else may open a mailbox: FullAccess entries (Get-, Add-, Remove-MailboxPermission)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sandbox.model import User
from sandbox.tenant import SandboxTenant

from .cmdlet import Handler, Output
from .errors import access_rights, bad_parameter, check_params, flag
from .mailboxes import Delegate
from .recipients import alias, directory_user, distinguished_name, mailbox_user

__all__ = ["CMDLETS"]

_GET_PARAMS = {"identity", "user", "owner", "resultsize"}
_ADD_PARAMS = {"identity", "user", "accessrights", "inheritancetype", "automapping", "deny"}
_REMOVE_PARAMS = {"identity", "user", "accessrights", "inheritancetype", "deny"}


def _full_access_only(folded: Mapping[str, Any]) -> None:
    rights = access_rights(folded.get("accessrights"))
    if [r.casefold() for r in rights] != ["fullaccess"] or flag(folded.get("deny")):
        # Exchange has more rights (ReadPermission, ChangeOwner, ...) and deny entries.
        raise bad_parameter(
            "The sandbox emulates AccessRights FullAccess only, without Deny; got "
            f"{', '.join(rights) or 'none'}."
        )


def _ace(owner: User, user: str, rights: list[str], *, inherited: bool = False) -> dict[str, Any]:
    return {
        "Identity": alias(owner),
        "User": user,
        "AccessRights": rights,
        "IsInherited": inherited,
        "Deny": False,
        "InheritanceType": "All",
    }


def _get_permissions(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _GET_PARAMS, required=("Identity",))
    owner = mailbox_user(tenant, folded["identity"])
    users = tenant.directory.users
    entries = [_ace(owner, "NT AUTHORITY\\SELF", ["FullAccess", "ReadPermission"])]
    entries += [
        _ace(owner, users[d.user_id].user_principal_name, ["FullAccess"])
        for d in tenant.exchange.state(owner.id).full_access
        if d.user_id in users
    ]
    if folded.get("user"):
        # -User: only that security principal's entries (get-mailboxpermission, -User).
        name = directory_user(tenant, folded["user"]).user_principal_name
        entries = [e for e in entries if e["User"] == name]
    return Output(entries)


def _add_permission(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _ADD_PARAMS, required=("Identity", "User", "AccessRights"))
    _full_access_only(folded)
    owner = mailbox_user(tenant, folded["identity"])
    user = directory_user(tenant, folded["user"])
    state = tenant.exchange.state(owner.id)
    mapping = flag(folded.get("automapping", True))
    kept = tuple(d for d in state.full_access if d.user_id != user.id)
    tenant.exchange.put(owner.id, replace(state, full_access=(*kept, Delegate(user.id, mapping))))
    return Output([_ace(owner, user.user_principal_name, ["FullAccess"])])


def _remove_permission(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _REMOVE_PARAMS, required=("Identity", "User", "AccessRights"))
    _full_access_only(folded)
    owner = mailbox_user(tenant, folded["identity"])
    user = directory_user(tenant, folded["user"])
    state = tenant.exchange.state(owner.id)
    kept = tuple(d for d in state.full_access if d.user_id != user.id)
    if kept == state.full_access:
        return Output(
            warnings=[
                "Can't remove the access control entry on the object "
                f'"{distinguished_name(tenant, alias(owner))}" for account '
                f'"{user.user_principal_name}" because the ACE doesn\'t exist on the object.'
            ]
        )
    tenant.exchange.put(owner.id, replace(state, full_access=kept))
    return Output()


CMDLETS: dict[str, Handler] = {
    "get-mailboxpermission": _get_permissions,
    "add-mailboxpermission": _add_permission,
    "remove-mailboxpermission": _remove_permission,
}
