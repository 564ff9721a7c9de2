"""Group owners: what a user owns, who owns a group, and owners by `$ref`.

- `GET /users/{id}/ownedObjects` (user-list-ownedobjects.md): User.Read.All and up; the
  directory objects the user owns, typed (here: groups).
- `GET /groups/{id}/owners` (group-list-owners.md): the group read permissions; owners are "not
  available in Microsoft Graph for groups that were created in Exchange or groups that are
  synchronized from an on-premises environment", so those answer an empty list.
- `POST /groups/{id}/owners/$ref` (group-post-owners.md) and `DELETE /groups/{id}/owners/{id}/$ref`
  (group-delete-owners.md): 204, Group.ReadWrite.All or Directory.ReadWrite.All. "Once owners
  are assigned to a group, the last owner (a user object) of the group cannot be removed": the
  refusal's body is not documented (see the README).
"""

from __future__ import annotations

from dataclasses import replace

from sandbox.model import Group

from .api_groups import GROUP_READ, find_group, referenced_user
from .api_users import USER_READ, find_user
from .call import GraphCall, GraphResult, Route, ok
from .entities import directory_user_json, group_json
from .errors import bad_request, not_found
from .query import filtered_page

__all__ = ["ROUTES"]

_OWNERS_WRITE = ("Group.ReadWrite.All", "Directory.ReadWrite.All")


def _owners_hidden(group: Group) -> bool:
    """Groups made in Exchange (mail-enabled, not Microsoft 365) and synced groups."""
    exchange_made = group.mail_enabled and "Unified" not in group.group_types
    return exchange_made or group.on_premises_sync


async def list_owned_objects(call: GraphCall) -> GraphResult:
    call.require(*USER_READ)
    user = find_user(call)
    groups = sorted(
        (g for g in call.tenant.directory.groups.values() if user.id in g.owner_ids),
        key=lambda g: g.display_name.lower(),
    )
    return ok(filtered_page(call, [group_json(g) for g in groups], "directoryObjects"))


async def list_owners(call: GraphCall) -> GraphResult:
    call.require(*GROUP_READ)
    group = find_group(call)
    users = call.tenant.directory.users
    owners = [] if _owners_hidden(group) else sorted(group.owner_ids)
    items = [directory_user_json(users[o]) for o in owners if o in users]
    return ok(filtered_page(call, items, "directoryObjects"))


async def add_owner(call: GraphCall) -> GraphResult:
    """204; 400 when already an owner, 404 when the object does not exist."""
    call.require(*_OWNERS_WRITE)
    group = find_group(call)
    user = referenced_user(call)
    if user.id in group.owner_ids:
        raise bad_request(
            "One or more added object references already exist for the following modified "
            "properties: 'owners'.",
            "Request_BadRequest",
        )
    _store(call, replace(group, owner_ids=group.owner_ids | {user.id}))
    return GraphResult(204, None)


async def remove_owner(call: GraphCall) -> GraphResult:
    """204; 404 when not an owner; 400 for the last owner."""
    call.require(*_OWNERS_WRITE)
    group = find_group(call)
    owner = call.params["owner"].lower()
    if owner not in group.owner_ids:
        raise not_found(call.params["owner"])
    if group.owner_ids == {owner}:
        raise bad_request(
            "The group must have at least one owner, hence this owner cannot be removed.",
            "Request_BadRequest",
        )
    _store(call, replace(group, owner_ids=group.owner_ids - {owner}))
    return GraphResult(204, None)


def _store(call: GraphCall, group: Group) -> None:
    call.tenant.directory.groups[group.id] = group


ROUTES = (
    Route("GET", "/users/{user}/ownedObjects", list_owned_objects),
    Route("GET", "/groups/{group}/owners", list_owners),
    Route("POST", "/groups/{group}/owners/$ref", add_owner),
    Route("DELETE", "/groups/{group}/owners/{owner}/$ref", remove_owner),
)
