"""Groups and their membership: `/groups`, `/groups/{id}`, and members by `$ref`.

`POST /groups/{id}/members/$ref` with `{"@odata.id": ".../directoryObjects/{id}"}` adds a
member (group-post-members.md: 204; 400 when it is already a member; 404 when the object does
not exist) and `DELETE /groups/{id}/members/{id}/$ref` removes one (group-delete-members.md:
204). GroupMember.ReadWrite.All is the least-privileged application permission for both; a
role-assignable group also needs RoleManagement.ReadWrite.Directory.

Graph cannot change the members of mail-enabled security groups and distribution lists (Exchange
manages them), of dynamic groups (their rule does) or of groups synced from on-premises AD; the
refusals' wording is observed, not documented.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sandbox.model import Group, User

from .call import GraphCall, GraphResult, Route, ok
from .entities import group_json
from .errors import bad_request, not_found
from .query import Rendered, filtered_page

__all__ = ["GROUP_READ", "ROUTES", "find_group", "referenced_user"]

# group-list.md / group-get.md: application permissions that read groups.
GROUP_READ = (
    "GroupMember.Read.All",
    "Group.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
_MEMBERS_WRITE = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")
_ROLE_GROUPS = "RoleManagement.ReadWrite.Directory"
_DYNAMIC = "DynamicMembership"


def find_group(call: GraphCall) -> Group:
    group = call.tenant.directory.groups.get(call.params["group"].lower())
    if group is None:
        raise not_found(call.params["group"])
    return group


async def list_groups(call: GraphCall) -> GraphResult:
    call.require(*GROUP_READ)
    groups = sorted(call.tenant.directory.groups.values(), key=lambda g: g.display_name.lower())
    return ok(filtered_page(call, Rendered(groups, _untyped), "groups"))


def _untyped(group: Group) -> dict[str, Any]:
    """Items of the `groups` entity set carry no `@odata.type` (a directoryObject list does)."""
    body = group_json(group)
    body.pop("@odata.type", None)
    return body


async def get_group(call: GraphCall) -> GraphResult:
    call.require(*GROUP_READ)
    body = _untyped(find_group(call))
    select = [name for name in call.query.get("$select", "").split(",") if name]
    if select:
        body = {name: body.get(name) for name in select}
    return ok({"@odata.context": call.context("groups/$entity"), **body})


def _check_writable(call: GraphCall, group: Group) -> None:
    """Graph's refusals for groups it does not manage, before any change."""
    call.require(*_MEMBERS_WRITE)
    if group.is_assignable_to_role:
        call.require(_ROLE_GROUPS)
    if group.on_premises_sync:
        raise bad_request(
            "Unable to update the specified properties for on-premises mastered Directory Sync "
            "objects or objects currently undergoing migration.",
            "Request_BadRequest",
        )
    if _DYNAMIC in group.group_types:
        raise bad_request(
            "Insufficient privileges to complete the operation. Members of a group with dynamic "
            "membership cannot be added or removed.",
            "Request_BadRequest",
        )
    if group.mail_enabled and "Unified" not in group.group_types:
        raise bad_request(
            "Cannot Update a mail-enabled security groups and or distribution list.",
            "Request_BadRequest",
        )


def referenced_user(call: GraphCall) -> User:
    body = call.body
    reference = body.get("@odata.id") if isinstance(body, dict) else None
    if not isinstance(reference, str) or not reference:
        raise bad_request(
            "Invalid object identifier. The request body needs an '@odata.id' reference to a "
            "directory object.",
            "Request_BadRequest",
        )
    key = reference.rstrip("/").rsplit("/", 1)[-1]
    user = call.tenant.directory.find_user(key)
    if user is None:
        # The sandbox's groups hold users only; other directory objects are not found.
        raise not_found(key)
    return user


async def add_member(call: GraphCall) -> GraphResult:
    """204 No Content; 400 when already a member, 404 when the object does not exist."""
    group = find_group(call)
    _check_writable(call, group)
    user = referenced_user(call)
    if user.id in group.member_ids:
        raise bad_request(
            "One or more added object references already exist for the following modified "
            "properties: 'members'.",
            "Request_BadRequest",
        )
    _store(call, replace(group, member_ids=group.member_ids | {user.id}))
    return GraphResult(204, None)


async def remove_member(call: GraphCall) -> GraphResult:
    """204 No Content; 404 when the object is not a member."""
    group = find_group(call)
    _check_writable(call, group)
    member = call.params["member"].lower()
    if member not in group.member_ids:
        raise not_found(call.params["member"])
    _store(call, replace(group, member_ids=group.member_ids - {member}))
    return GraphResult(204, None)


def _store(call: GraphCall, group: Group) -> None:
    call.tenant.directory.groups[group.id] = group


ROUTES = (
    Route("GET", "/groups", list_groups),
    Route("GET", "/groups/{group}", get_group),
    Route("POST", "/groups/{group}/members/$ref", add_member),
    Route("DELETE", "/groups/{group}/members/{member}/$ref", remove_member),
)
