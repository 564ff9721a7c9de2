"""Exchange Online's admin API, as its clients observe it: `POST /adminapi/beta/{tenant}/
InvokeCommand` running the cmdlets of the `cmdlets_*` modules on the tenant's mailboxes and
mail-enabled groups. This module is the endpoint: sign-in, faults, reading the input, paging.

Microsoft does not document this endpoint; request and answer shapes follow CIPP's
New-ExoRequest and the Exchange Online PowerShell module, error bodies those clients parse
(see the README's unverified list). Tokens must be app tokens for `https://outlook.office365.com`
(or for the sandbox's own URL, which a Deskhand configured with `exchange_host` set to the
sandbox asks for, as Graph accepts it for `graph_host`) carrying Exchange.ManageAsApp, and the
app must hold an Exchange role; without either the answer is a 403 whose body is NUL bytes, as
has been captured live.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from sandbox.faults import answer_late, apply_fault
from sandbox.graph.errors import GraphError
from sandbox.recording import safe_body
from sandbox.state import BODY, STATE, TENANT_NAME, SandboxState
from sandbox.tenant import SandboxTenant

from . import (
    cmdlets_calendar,
    cmdlets_devices,
    cmdlets_groups,
    cmdlets_mailbox,
    cmdlets_permissions,
    cmdlets_rules,
)
from .cmdlet import Handler, Output
from .errors import ODATA_EXCEPTION, ExchangeError, cmdlet_error

__all__ = ["EXCHANGE_AUDIENCE", "routes"]

EXCHANGE_AUDIENCE = "https://outlook.office365.com"
_EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
_PERMISSION = "Exchange.ManageAsApp"
_ROLES = frozenset({"Exchange Administrator", "Global Administrator"})
_DEFAULT_PAGE = 1000


def _unauthorized() -> ExchangeError:
    challenge = f'Bearer client_id="{_EXCHANGE_APP_ID}", error="invalid_token"'
    return ExchangeError(401, None, {"WWW-Authenticate": challenge})


def _json(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str]) -> web.Response:
    text = json.dumps(body) if body is not None else ""
    content_type = "application/json; odata.metadata=minimal; charset=utf-8"
    return web.Response(
        status=status, body=text.encode(), headers={"Content-Type": content_type, **headers}
    )


async def invoke_command(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    try:
        tenant = _authenticate(request)
        fault = state.faults.take(tenant.name, request.path, inside_batch=False, method="POST")
        if fault:
            await _fault(fault)
        cmdlet, params = await _read_input(request)
        reading = cmdlet.casefold().startswith("get-")
        async with state.keeping(changes=not reading):
            if reading:
                tenant = state.replication.read(tenant, request.path)
            else:
                state.replication.wrote(tenant)
            result = _run(state, tenant, request, cmdlet, params)
        await answer_late(fault)
    except ExchangeError as error:
        if isinstance(error.body, bytes):
            return web.Response(status=error.status, body=error.body, headers=error.headers)
        return _json(error.status, error.body, error.headers)
    return _json(200, result, {})


async def _fault(fault: Any) -> None:
    try:
        await apply_fault(fault)
    except GraphError as error:
        # Unverified: Exchange's throttling body; clients key on the status and Retry-After.
        raise ExchangeError(
            error.status,
            {"error": {"code": error.code, "message": error.message}},
            error.headers,
        ) from None


def _authenticate(request: web.Request) -> SandboxTenant:
    state = request.app[STATE]
    try:
        audiences = (EXCHANGE_AUDIENCE, state.base_url)
        claims = state.tokens.verify(request.headers.get("Authorization"), audiences)
    except GraphError:
        raise _unauthorized() from None
    tenant = state.tenant_by_id(str(claims["tid"]))
    if tenant is None or not tenant.answers_to(request.match_info["tenant"]):
        raise _unauthorized()
    request[TENANT_NAME] = tenant.name
    roles = frozenset(claims.get("roles", ())) & frozenset(tenant.permissions)
    if _PERMISSION not in roles or not tenant.app_roles & _ROLES:
        # Observed: a missing app permission or role answers 403 with a body of NUL bytes.
        raise ExchangeError(403, b"\x00" * 64)
    return tenant


async def _read_input(request: web.Request) -> tuple[str, dict[str, Any]]:
    try:
        body = json.loads(await request.text()) if request.body_exists else None
    except ValueError:
        body = None
    request[BODY] = safe_body(body)
    cmdlet_input = body.get("CmdletInput") if isinstance(body, dict) else None
    name = cmdlet_input.get("CmdletName") if isinstance(cmdlet_input, dict) else None
    params = cmdlet_input.get("Parameters", {}) if isinstance(cmdlet_input, dict) else None
    if not isinstance(name, str) or not isinstance(params, dict):
        raise ExchangeError(
            400,
            {
                "error": {
                    "code": "BadRequest",
                    "message": "Invalid Operation",
                    "innererror": {
                        "message": "The request body must hold CmdletInput with CmdletName "
                        "and Parameters.",
                        "type": ODATA_EXCEPTION,
                        "stacktrace": "",
                    },
                }
            },
        )
    return name, params


# Every emulated cmdlet, by its lower-cased name; each module holds one concern.
_CMDLETS: dict[str, Handler] = {
    **cmdlets_mailbox.CMDLETS,
    **cmdlets_rules.CMDLETS,
    **cmdlets_permissions.CMDLETS,
    **cmdlets_calendar.CMDLETS,
    **cmdlets_devices.CMDLETS,
    **cmdlets_groups.CMDLETS,
}


def _run(
    state: SandboxState,
    tenant: SandboxTenant,
    request: web.Request,
    cmdlet: str,
    params: dict[str, Any],
) -> dict[str, Any]:
    handler = _CMDLETS.get(cmdlet.lower())
    if handler is None:
        kind = "System.Management.Automation.CommandNotFoundException"
        raise cmdlet_error(
            400,
            "BadRequest",
            "",
            kind,
            f"The term '{cmdlet}' is not recognized as the name of a cmdlet, function, script "
            "file, or operable program.",
        )
    base = f"{state.base_url}/adminapi/beta/{request.match_info['tenant']}"
    return _page(request, base, handler(tenant, params))


def _envelope(base: str, values: list[dict[str, Any]], warnings: list[str]) -> dict[str, Any]:
    return {
        "@odata.context": f"{base}/$metadata#Collection(Exchange.GenericHashTable)",
        "adminapi.warnings@odata.type": "#Collection(String)",
        "@adminapi.warnings": warnings,
        "value": values,
    }


def _page(request: web.Request, base: str, output: Output) -> dict[str, Any]:
    """`Prefer: odata.maxpagesize=N` pages the output; the next page is POSTed to nextLink."""
    match = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", request.headers.get("Prefer", ""))
    size = max(1, int(match.group(1))) if match else _DEFAULT_PAGE
    skip = int(request.query.get("$skiptoken", "0") or 0)
    selected = [v.strip() for v in request.query.get("$select", "").split(",") if v.strip()]
    chunk = output.values[skip : skip + size]
    if selected:
        chunk = [{k: v for k, v in item.items() if k in selected} for item in chunk]
    body = _envelope(base, chunk, output.warnings if skip == 0 else [])
    if skip + size < len(output.values):
        link = f"{base}/InvokeCommand?$skiptoken={skip + size}"
        if selected:
            link += f"&$select={','.join(selected)}"
        body["@odata.nextLink"] = link
    return body


def routes() -> list[web.RouteDef]:
    return [web.post("/adminapi/beta/{tenant}/InvokeCommand", invoke_command)]
