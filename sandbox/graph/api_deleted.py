"""Deleting users and the deleted-items container: soft delete, list, restore, purge.

`DELETE /users/{id}` (user-delete.md) moves the user to deleted items, with its licences, group
memberships and role assignments taken away until a restore gives them back. Deleted users are
listed at `/directory/deletedItems/microsoft.graph.user` (the OData cast is required) with their
`userPrincipalName` prefixed by their object id without hyphens, as Graph shows them, and are
purged 30 days after deletion. `POST /directory/deletedItems/{id}/restore` answers 200 with the
restored user (directory-deleteditems-restore.md); `DELETE /directory/deletedItems/{id}` purges.

Least-privileged permission for all of these: User.DeleteRestore.All (What's new, January 2025:
it also lists deleted users). Deleting or restoring a holder of a directory role needs an app
role that reaches them, as for password resets ("Who can perform sensitive actions").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.model import DeletedUser, Directory, User
from sandbox.tenant import SandboxTenant

from .api_users import USER_READ, find_user
from .call import GraphCall, GraphResult, Route, ok
from .entities import USER_DEFAULT_PROPERTIES, stamp, user_json
from .errors import GraphError, bad_request, forbidden, not_found
from .query import filtered_page

__all__ = ["RETENTION", "ROUTES", "deleted_upn", "purge_expired", "soft_delete"]

RETENTION = timedelta(days=30)
_DELETE_RESTORE = ("User.DeleteRestore.All", "User.ReadWrite.All")
_LIST_DELETED = ("User.DeleteRestore.All", *USER_READ)
_USER_CAST = "microsoft.graph.user"

# Who may delete or restore whom: User Administrator reaches users without roles and holders of
# limited roles; only Privileged Authentication Administrator (or Global Administrator) reaches
# holders of privileged roles.
_ANY_USER = frozenset({"Privileged Authentication Administrator", "Global Administrator"})
_LIMITED_ADMINS = frozenset({"User Administrator", *_ANY_USER})
_LIMITED_ROLES = frozenset(
    {"Helpdesk Administrator", "Password Administrator", "User Administrator", "Global Reader"}
)


def deleted_upn(user: User) -> str:
    """The UPN a deleted user shows: its object id without hyphens, then the original UPN."""
    return f"{user.id.replace('-', '')}{user.user_principal_name}"


def purge_expired(directory: Directory, now: datetime) -> None:
    """Entra purges a deleted user 30 days after deletion; the sandbox does it when asked."""
    for key, item in list(directory.deleted_users.items()):
        if now - item.deleted >= RETENTION:
            del directory.deleted_users[key]


def soft_delete(directory: Directory, user_id: str, when: datetime) -> DeletedUser:
    """Move a user to deleted items: out of the user list, its groups and its roles."""
    user = directory.users.pop(user_id)
    directory.upn_index.pop(user.user_principal_name.casefold(), None)
    groups = frozenset(g.id for g in directory.groups.values() if user.id in g.member_ids)
    for group_id in groups:
        group = directory.groups[group_id]
        directory.groups[group_id] = replace(group, member_ids=group.member_ids - {user.id})
    held = tuple(a for a in directory.role_assignments if a.principal_id == user.id)
    directory.role_assignments[:] = [a for a in directory.role_assignments if a not in held]
    item = DeletedUser(user, when, groups, held)
    directory.deleted_users[user.id] = item
    return item


def _restore(directory: Directory, item: DeletedUser) -> User:
    del directory.deleted_users[item.user.id]
    directory.add_user(item.user)
    for group_id in item.group_ids:
        if group := directory.groups.get(group_id):
            directory.groups[group_id] = replace(
                group, member_ids=group.member_ids | {item.user.id}
            )
    directory.role_assignments.extend(item.role_assignments)
    return item.user


def _check_reach(tenant: SandboxTenant, role_templates: frozenset[str]) -> None:
    """403 unless the app holds a directory role that may delete or restore this user."""
    names = frozenset(tenant.directory.roles[t].display_name for t in role_templates)
    if not names:
        return
    allowed = _LIMITED_ADMINS if names <= _LIMITED_ROLES else _ANY_USER
    if not tenant.app_roles & allowed:
        raise forbidden()


def _synced_refusal() -> GraphError:
    return bad_request(
        "Unable to delete the specified object because it is mastered on-premises by "
        "Directory Sync. Delete it in the on-premises directory.",
        "Request_BadRequest",
    )


async def delete_user(call: GraphCall) -> GraphResult:
    """204 No Content, as user-delete.md documents."""
    call.require(*_DELETE_RESTORE)
    user = find_user(call)
    directory = call.tenant.directory
    _check_reach(call.tenant, directory.active_roles(user.id))
    if user.on_premises_sync:
        raise _synced_refusal()
    soft_delete(directory, user.id, datetime.now(UTC))
    return GraphResult(204, None)


def _deleted_json(item: DeletedUser) -> dict[str, Any]:
    body = user_json(item.user)
    body["userPrincipalName"] = deleted_upn(item.user)
    body["deletedDateTime"] = stamp(item.deleted)
    return body


def _default(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.user",
        **{name: body.get(name) for name in (*USER_DEFAULT_PROPERTIES, "deletedDateTime")},
    }


def _check_cast(call: GraphCall) -> None:
    if call.params["cast"] != _USER_CAST:
        # The sandbox keeps deleted users only; other casts are documented but not served.
        raise bad_request(f"Resource not found for the segment '{call.params['cast']}'.")


async def list_deleted(call: GraphCall) -> GraphResult:
    call.require(*_LIST_DELETED)
    _check_cast(call)
    directory = call.tenant.directory
    purge_expired(directory, datetime.now(UTC))
    items = sorted(directory.deleted_users.values(), key=lambda i: i.deleted)
    bodies = [_deleted_json(item) for item in items]
    if "$select" not in call.query:
        bodies = [_default(body) for body in bodies]
    return ok(filtered_page(call, bodies, "directory/deletedItems/microsoft.graph.user"))


def _find_deleted(call: GraphCall) -> DeletedUser:
    directory = call.tenant.directory
    purge_expired(directory, datetime.now(UTC))
    item = directory.deleted_users.get(call.params["item"].lower())
    if item is None:
        raise not_found(call.params["item"])
    return item


async def get_deleted(call: GraphCall) -> GraphResult:
    call.require(*_LIST_DELETED)
    item = _find_deleted(call)
    body = _deleted_json(item)
    select = [s for s in call.query.get("$select", "").split(",") if s]
    shown = {n: body.get(n) for n in select} if select else _default(body)
    context = call.context("directory/deletedItems/$entity")
    return ok({"@odata.context": context, "@odata.type": "#microsoft.graph.user", **shown})


async def restore_deleted(call: GraphCall) -> GraphResult:
    call.require(*_DELETE_RESTORE)
    item = _find_deleted(call)
    directory = call.tenant.directory
    _check_reach(call.tenant, frozenset(a.role_template_id for a in item.role_assignments))
    if directory.find_user(item.user.user_principal_name) is not None:
        raise bad_request(
            "Another object with the same value for property userPrincipalName already exists.",
            "Request_BadRequest",
        )
    user = _restore(directory, item)
    body = {name: user_json(user)[name] for name in USER_DEFAULT_PROPERTIES}
    context = call.context("directoryObjects/$entity")
    return ok({"@odata.context": context, "@odata.type": "#microsoft.graph.user", **body})


async def purge_deleted(call: GraphCall) -> GraphResult:
    """204: gone for good (directory-deleteditems-delete.md)."""
    call.require(*_DELETE_RESTORE)
    item = _find_deleted(call)
    del call.tenant.directory.deleted_users[item.user.id]
    return GraphResult(204, None)


_ITEMS = "/directory/deletedItems"

ROUTES = (
    Route("DELETE", "/users/{user}", delete_user),
    Route("GET", f"{_ITEMS}/{{cast:microsoft\\.graph\\.[A-Za-z]+}}", list_deleted),
    Route("GET", f"{_ITEMS}/{{item}}", get_deleted),
    Route("POST", f"{_ITEMS}/{{item}}/restore", restore_deleted),
    Route("DELETE", f"{_ITEMS}/{{item}}", purge_deleted),
)
