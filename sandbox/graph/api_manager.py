"""`PUT /users/{id}/manager/$ref`: set a user's manager (user-post-manager.md, 204).

The body is `{"@odata.id": "https://graph.microsoft.com/v1.0/users/{id}"}`; User.ReadWrite.All is
the least-privileged application permission. A user synced from on-premises AD gets its manager
from there, so Graph refuses the change (wording observed, as for other synced properties).
"""

from __future__ import annotations

from dataclasses import replace

from .api_users import find_user
from .call import GraphCall, GraphResult, Route
from .errors import bad_request, not_found

__all__ = ["ROUTES"]

_MANAGER_WRITE = ("User.ReadWrite.All", "Directory.ReadWrite.All")


async def set_manager(call: GraphCall) -> GraphResult:
    call.require(*_MANAGER_WRITE)
    user = find_user(call)
    body = call.body
    reference = body.get("@odata.id") if isinstance(body, dict) else None
    if not isinstance(reference, str) or not reference:
        raise bad_request(
            "Invalid object identifier. The request body needs an '@odata.id' reference to a user.",
            "Request_BadRequest",
        )
    key = reference.rstrip("/").rsplit("/", 1)[-1]
    manager = call.tenant.directory.find_user(key)
    if manager is None:
        raise not_found(key)
    if manager.id == user.id:
        raise bad_request("A user cannot be their own manager.", "Request_BadRequest")
    if user.on_premises_sync:
        raise bad_request(
            "Unable to update the specified properties for on-premises mastered Directory Sync "
            "objects or objects currently undergoing migration.",
            "Request_BadRequest",
        )
    call.tenant.directory.add_user(replace(user, manager_id=manager.id))
    return GraphResult(204, None)


ROUTES = (Route("PUT", "/users/{user}/manager/$ref", set_manager),)
