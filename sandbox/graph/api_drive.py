"""`GET /users/{id}/drive`: a user's OneDrive (drive-get.md).

Application permissions Files.Read.All, Files.ReadWrite.All, Sites.Read.All or
Sites.ReadWrite.All. A user has a OneDrive when a licence of theirs (direct or through a group)
carries a SharePoint Online plan; otherwise the answer is 404 (documented: "If the drive does not
exist and cannot be provisioned automatically"; app-only calls never provision one). The 404's
code and message are observed, not documented.
"""

from __future__ import annotations

import re
import uuid

from sandbox.model import Directory, User
from sandbox.tenant import SandboxTenant

from .api_users import find_user
from .call import GraphCall, GraphResult, Route, ok
from .entities import stamp
from .errors import GraphError

__all__ = ["ROUTES", "has_onedrive", "personal_site"]

_FILES_READ = ("Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All")
_SHAREPOINT_PLANS = frozenset({"SHAREPOINTENTERPRISE", "SHAREPOINTSTANDARD"})
_TERABYTE = 1024**4


def has_onedrive(directory: Directory, user: User) -> bool:
    held = set(user.sku_ids) | {sku for sku, _ in user.inherited_licenses}
    return any(
        plan.name in _SHAREPOINT_PLANS
        for sku in directory.skus
        if sku.sku_id in held
        for plan in sku.service_plans
    )


def personal_site(tenant: SandboxTenant, user: User) -> str:
    """`https://contoso-my.sharepoint.com/personal/adele_vance_contoso_com`, as SharePoint
    names a OneDrive: the UPN with every character but letters and digits as `_`."""
    name = re.sub(r"[^a-z0-9]", "_", user.user_principal_name.lower())
    return f"https://{tenant.sharepoint_name}-my.sharepoint.com/personal/{name}"


async def get_drive(call: GraphCall) -> GraphResult:
    call.require(*_FILES_READ)
    user = find_user(call)
    if not has_onedrive(call.tenant.directory, user):
        raise GraphError(404, "ResourceNotFound", "User's mysite not found.")
    body = {
        "createdDateTime": stamp(user.created),
        "description": "",
        "id": "b!" + uuid.uuid5(uuid.UUID(user.id), "drive").hex,
        "lastModifiedDateTime": stamp(user.created),
        "name": "OneDrive",
        "webUrl": f"{personal_site(call.tenant, user)}/Documents",
        "driveType": "business",
        "createdBy": {"user": {"displayName": "System Account"}},
        "owner": {
            "user": {
                "email": user.mail,
                "id": user.id,
                "displayName": user.display_name,
            }
        },
        "quota": {
            "deleted": 0,
            "remaining": _TERABYTE,
            "state": "normal",
            "total": _TERABYTE,
            "used": 0,
        },
    }
    select = [name for name in call.query.get("$select", "").split(",") if name]
    if select:
        body = {name: body[name] for name in select if name in body}
    context = call.context(f"users('{user.id}')/drive/$entity")
    return ok({"@odata.context": context, **body})


ROUTES = (Route("GET", "/users/{user}/drive", get_drive),)
