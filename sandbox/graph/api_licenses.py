"""`POST /users/{id}/assignLicense`: add and remove a user's directly assigned licences.

user-assignlicense.md: the body carries `addLicenses` (assignedLicense objects) and
`removeLicenses` (SKU ids); the answer is 200 with the user. LicenseAssignment.ReadWrite.All is
the least-privileged application permission. A seat counts in `consumedUnits` as soon as it is
assigned.

The refusals are observed rather than documented (400 `Request_BadRequest`): a user without a
usage location, a SKU the tenant does not subscribe to, a SKU with no free seat, a licence the
user does not hold directly, or one inherited through group-based licensing (removed by
leaving the group, not here), and a body without both collections.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sandbox.model import Directory, User

from .api_users import find_user
from .call import GraphCall, GraphResult, Route, ok
from .entities import USER_DEFAULT_PROPERTIES, user_json
from .errors import GraphError, bad_request

__all__ = ["ROUTES"]

_ASSIGN = ("LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All")


def _refused(message: str) -> GraphError:
    return bad_request(message, "Request_BadRequest")


def _collections(body: Any) -> tuple[list[str], list[str]]:
    """The SKU ids to add and to remove; Graph wants both collections, even empty."""
    if not isinstance(body, dict) or not {"addLicenses", "removeLicenses"} <= set(body):
        raise _refused(
            "Invalid request body: both 'addLicenses' and 'removeLicenses' are required."
        )
    adds, removes = body["addLicenses"], body["removeLicenses"]
    if not isinstance(adds, list) or not isinstance(removes, list):
        raise _refused("Invalid request body: 'addLicenses' and 'removeLicenses' are arrays.")
    add_ids = []
    for item in adds:
        sku = item.get("skuId") if isinstance(item, dict) else None
        if not isinstance(sku, str):
            raise _refused("Invalid request body: each of 'addLicenses' needs a 'skuId'.")
        add_ids.append(sku.lower())
    if not all(isinstance(sku, str) for sku in removes):
        raise _refused("Invalid request body: 'removeLicenses' holds SKU ids.")
    return add_ids, [str(sku).lower() for sku in removes]


def _check_adds(directory: Directory, user: User, adds: list[str]) -> None:
    if adds and not user.usage_location:
        raise _refused("License assignment cannot be done for user with invalid usage location.")
    prepaid = {sku.sku_id: sku.prepaid for sku in directory.skus}
    for sku_id in adds:
        if sku_id not in prepaid:
            raise _refused(f"License {sku_id} does not correspond to a valid company License.")
        held = sku_id in user.sku_ids or any(s == sku_id for s, _ in user.inherited_licenses)
        if not held and directory.consumed_units(sku_id) >= prepaid[sku_id]:
            raise _refused(f"Subscription {sku_id} does not have any available licenses.")


def _check_removes(user: User, removes: list[str]) -> None:
    for sku_id in removes:
        if sku_id in user.sku_ids:
            continue
        if any(s == sku_id for s, _ in user.inherited_licenses):
            raise _refused(
                "User license is inherited from a group membership and it cannot be removed "
                "directly from the user."
            )
        raise _refused(f"User does not have a corresponding license {sku_id}.")


async def assign_license(call: GraphCall) -> GraphResult:
    call.require(*_ASSIGN)
    user = find_user(call)
    adds, removes = _collections(call.body)
    directory = call.tenant.directory
    _check_adds(directory, user, adds)
    _check_removes(user, removes)
    kept = [sku for sku in user.sku_ids if sku not in removes]
    changed = replace(user, sku_ids=tuple(dict.fromkeys((*kept, *adds))))
    directory.add_user(changed)
    full = user_json(changed)
    body = {name: full[name] for name in (*USER_DEFAULT_PROPERTIES, "assignedLicenses")}
    return ok({"@odata.context": call.context("users/$entity"), **body})


ROUTES = (Route("POST", "/users/{user}/assignLicense", assign_license),)
