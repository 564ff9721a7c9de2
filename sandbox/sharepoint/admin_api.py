"""SharePoint's admin API: CSOM `POST /_vti_bin/client.svc/ProcessQuery` on the tenant's admin
host, running `Tenant.SetSiteAdmin(url, loginName, isSiteAdmin)` (Microsoft.Online.SharePoint.
TenantAdministration, documented in the CSOM reference) as CIPP's Set-CIPPSharePointPerms sends
it. The wire format (the `Request` XML, the JSON array answer with `ErrorInfo`) is [MS-CSOM]'s.

The sandbox has one host, so the tenant is the token's (`tid`) and its audience must be that
tenant's `https://{name}-admin.sharepoint.com`. SharePoint refuses app-only tokens the app got
with a client secret (`appidacr` "1"): 401 with `{"error_description": "Unsupported app only
token."}`, as observed (see the README). The app needs Sites.FullControl.All.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from aiohttp import web

from sandbox.graph.api_drive import has_onedrive, personal_site
from sandbox.graph.errors import GraphError
from sandbox.recording import safe_body
from sandbox.state import BODY, STATE, TENANT_NAME
from sandbox.tenant import SandboxTenant

__all__ = ["PROCESS_QUERY", "TENANT_TYPE_ID", "routes"]

PROCESS_QUERY = "/_vti_bin/client.svc/ProcessQuery"
TENANT_TYPE_ID = "{268004ae-ef6b-4e9b-8425-127220d84719}"
"""The CSOM type id of Microsoft.Online.SharePoint.TenantAdministration.Tenant."""
_NS = "{http://schemas.microsoft.com/sharepoint/clientquery/2009}"
_SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
_PERMISSION = "Sites.FullControl.All"
_CLAIM_PREFIX = "i:0#.f|membership|"
_LIBRARY_VERSION = "16.0.25012.12007"


class _Refused(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _unauthorized(body: Any, realm: str = "") -> _Refused:
    challenge = f'Bearer realm="{realm}",client_id="{_SHAREPOINT_APP_ID}"'
    return _Refused(401, body, {"WWW-Authenticate": challenge})


def _authenticate(request: web.Request) -> SandboxTenant:
    state = request.app[STATE]
    audiences = [t.sharepoint_admin for t in state.tenants.values()]
    try:
        claims = state.tokens.verify(request.headers.get("Authorization"), audiences)
    except GraphError:
        raise _unauthorized(None) from None
    tenant = state.tenant_by_id(str(claims["tid"]))
    if tenant is None or claims["aud"] != tenant.sharepoint_admin:
        raise _unauthorized(None)
    request[TENANT_NAME] = tenant.name
    if claims.get("appidacr") != "2":
        raise _unauthorized({"error_description": "Unsupported app only token."}, tenant.tenant_id)
    return tenant


def _answer(trace: str, error: dict[str, Any] | None, *results: Any) -> list[Any]:
    head = {
        "SchemaVersion": "15.0.0.0",
        "LibraryVersion": _LIBRARY_VERSION,
        "ErrorInfo": error,
        "TraceCorrelationId": trace,
    }
    return [head, *results]


def _error(trace: str, message: str, code: int, type_name: str) -> dict[str, Any]:
    return {
        "ErrorMessage": message,
        "ErrorValue": None,
        "TraceCorrelationId": trace,
        "ErrorCode": code,
        "ErrorTypeName": type_name,
    }


class _CsomFault(Exception):
    def __init__(self, message: str, code: int, type_name: str) -> None:
        super().__init__(message)
        self.message, self.code, self.type_name = message, code, type_name


def _bad_request() -> _CsomFault:
    return _CsomFault(
        "The request is not a Tenant.SetSiteAdmin call the sandbox knows.",
        -2147024809,
        "System.ArgumentException",
    )


def _set_site_admin(xml: str) -> tuple[int, str, str, bool]:
    """The action id and SetSiteAdmin's parameters: url, loginName, isSiteAdmin."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        raise _bad_request() from None
    paths = {node.get("Id"): node for node in root.iter() if node.tag.startswith(_NS)}
    action = root.find(f"{_NS}Actions/{_NS}ObjectPath")
    method = paths.get(action.get("ObjectPathId")) if action is not None else None
    if action is None or method is None or method.get("Name") != "SetSiteAdmin":
        raise _bad_request()
    parent = paths.get(method.get("ParentId"))
    if parent is None or parent.get("TypeId", "").lower() != TENANT_TYPE_ID:
        raise _bad_request()
    values = [p.text or "" for p in method.iter(f"{_NS}Parameter")]
    if len(values) != 3 or values[2].lower() not in ("true", "false"):
        raise _bad_request()
    return int(action.get("Id") or 0), values[0], values[1], values[2].lower() == "true"


def _apply(tenant: SandboxTenant, site_url: str, login: str, admin: bool) -> None:
    directory = tenant.directory
    owner = next(
        (
            u
            for u in directory.users.values()
            if has_onedrive(directory, u) and personal_site(tenant, u) == site_url.rstrip("/")
        ),
        None,
    )
    if owner is None:
        raise _CsomFault(
            f"Cannot get site {site_url}.",
            -1,
            "Microsoft.Online.SharePoint.Common.SpoNoSiteException",
        )
    user = directory.find_user(login.removeprefix(_CLAIM_PREFIX))
    if user is None:
        raise _CsomFault(
            "The user does not exist or is not unique.",
            -2146232832,
            "Microsoft.SharePoint.SPException",
        )
    key = personal_site(tenant, owner)
    admins = set(directory.site_admins.get(key, ()))
    name = user.user_principal_name.lower()
    admins = admins | {name} if admin else admins - {name}
    directory.site_admins[key] = tuple(sorted(admins))
    if not admins:
        del directory.site_admins[key]


async def process_query(request: web.Request) -> web.Response:
    state = request.app[STATE]
    trace = str(uuid.uuid4())
    try:
        tenant = _authenticate(request)
        xml = await request.text()
        request[BODY] = safe_body({"xml": xml})
        if _PERMISSION not in tenant.permissions:
            raise _CsomFault(
                "Access denied. You do not have permission to perform this action or access "
                "this resource.",
                -2147024891,
                "System.UnauthorizedAccessException",
            )
        action, site_url, login, admin = _set_site_admin(xml)
        async with state.keeping(changes=True):
            _apply(state.tenants[tenant.name], site_url, login, admin)
        body: Any = _answer(trace, None, action, {"IsNull": False})
    except _Refused as refused:
        text = json.dumps(refused.body) if refused.body is not None else ""
        return web.Response(
            status=refused.status,
            text=text,
            content_type="application/json",
            headers=refused.headers,
        )
    except _CsomFault as fault:
        body = _answer(trace, _error(trace, fault.message, fault.code, fault.type_name))
    headers = {"SPRequestGuid": trace, "X-SharePointHealthScore": "0"}
    return web.json_response(body, headers=headers)


def routes() -> list[web.RouteDef]:
    return [web.post(PROCESS_QUERY, process_query)]
