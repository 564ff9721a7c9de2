"""Exchange Online's admin API, as its clients observe it: `POST /adminapi/beta/{tenant}/
InvokeCommand` running Get-Mailbox, Set-Mailbox and Get-InboxRule on the tenant's mailboxes.

Microsoft does not document this endpoint; request and answer shapes follow CIPP's
New-ExoRequest and the Exchange Online PowerShell module, error bodies those clients parse
(see the README's unverified list). Tokens must be app tokens for `https://outlook.office365.com`
carrying Exchange.ManageAsApp, and the app must hold an Exchange role; without either the
answer is a 403 whose body is NUL bytes, as has been captured live.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aiohttp import web

from sandbox.faults import answer_late, apply_fault
from sandbox.graph.errors import GraphError
from sandbox.model import User
from sandbox.recording import safe_body
from sandbox.state import BODY, STATE, TENANT_NAME, SandboxState
from sandbox.tenant import SandboxTenant

from .mailboxes import MailboxState, Recipient, Rule

__all__ = ["EXCHANGE_AUDIENCE", "routes"]

EXCHANGE_AUDIENCE = "https://outlook.office365.com"
_EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
_PERMISSION = "Exchange.ManageAsApp"
_ROLES = frozenset({"Exchange Administrator", "Global Administrator"})
_SERVER = "SN6PR04MB4952.NAMPRD04.PROD.OUTLOOK.COM"
_DEFAULT_PAGE = 1000
_ODATA_EXCEPTION = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"


class ExchangeError(Exception):
    """An answer the admin API gives as an error (`body` None: an empty or NUL body)."""

    def __init__(
        self,
        status: int,
        body: Mapping[str, Any] | bytes | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def _cmdlet_error(status: int, code: str, error_id: str, kind: str, text: str) -> ExchangeError:
    """`details[0].message` carries `<id>|<exception type>|<text>`; `innererror` the wrapper."""
    outer = "Error executing cmdlet" if code != "BadRequest" else "Invalid Operation"
    return ExchangeError(
        status,
        {
            "error": {
                "code": code,
                "message": outer,
                "details": [
                    {"code": "Client", "target": "", "message": f"{error_id}|{kind}|{text}"}
                ],
                "innererror": {"message": outer, "type": _ODATA_EXCEPTION, "stacktrace": ""},
            }
        },
    )


def _not_found(identity: str) -> ExchangeError:
    return _cmdlet_error(
        404,
        "NotFound",
        "Ex6F9304",
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        f"The operation couldn't be performed because object '{identity}' couldn't be found "
        f"on '{_SERVER}'.",
    )


def _bad_parameter(text: str) -> ExchangeError:
    kind = "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException"
    return ExchangeError(
        400,
        {
            "error": {
                "code": "BadRequest",
                "message": "Invalid Operation",
                "details": [{"code": "Client", "target": "", "message": f"|{kind}|{text}"}],
                "innererror": {
                    "message": "Invalid Operation",
                    "type": _ODATA_EXCEPTION,
                    "stacktrace": "",
                    "internalexception": {"message": text, "type": kind, "stacktrace": ""},
                },
            }
        },
    )


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
        claims = state.tokens.verify(request.headers.get("Authorization"), (EXCHANGE_AUDIENCE,))
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
                        "type": _ODATA_EXCEPTION,
                        "stacktrace": "",
                    },
                }
            },
        )
    return name, params


_CMDLETS = ("get-mailbox", "set-mailbox", "get-inboxrule")


def _run(
    state: SandboxState,
    tenant: SandboxTenant,
    request: web.Request,
    cmdlet: str,
    params: dict[str, Any],
) -> dict[str, Any]:
    name = cmdlet.lower()
    if name not in _CMDLETS:
        kind = "System.Management.Automation.CommandNotFoundException"
        raise _cmdlet_error(
            400,
            "BadRequest",
            "",
            kind,
            f"The term '{cmdlet}' is not recognized as the name of a cmdlet, function, script "
            "file, or operable program.",
        )
    base = f"{state.base_url}/adminapi/beta/{request.match_info['tenant']}"
    if name == "get-mailbox":
        values = _get_mailbox(tenant, params)
        return _page(request, base, values)
    if name == "get-inboxrule":
        return _envelope(base, _get_inbox_rules(tenant, params))
    return _envelope(base, [], _set_mailbox(tenant, params))


def _envelope(
    base: str, values: list[dict[str, Any]], warnings: list[str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "@odata.context": f"{base}/$metadata#Collection(Exchange.GenericHashTable)",
        "adminapi.warnings@odata.type": "#Collection(String)",
        "@adminapi.warnings": warnings or [],
        "value": values,
    }
    return body


def _page(request: web.Request, base: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    """`Prefer: odata.maxpagesize=N` pages the output; the next page is POSTed to nextLink."""
    match = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", request.headers.get("Prefer", ""))
    size = max(1, int(match.group(1))) if match else _DEFAULT_PAGE
    skip = int(request.query.get("$skiptoken", "0") or 0)
    selected = [v.strip() for v in request.query.get("$select", "").split(",") if v.strip()]
    chunk = values[skip : skip + size]
    if selected:
        chunk = [{k: v for k, v in item.items() if k in selected} for item in chunk]
    body = _envelope(base, chunk)
    if skip + size < len(values):
        link = f"{base}/InvokeCommand?$skiptoken={skip + size}"
        if selected:
            link += f"&$select={','.join(selected)}"
        body["@odata.nextLink"] = link
    return body


_MAILBOX_PARAMS = {"identity", "resultsize", "recipienttypedetails"}
_SET_PARAMS = {
    "identity",
    "forwardingsmtpaddress",
    "forwardingaddress",
    "delivertomailboxandforward",
}
_RULE_PARAMS = {"mailbox", "identity"}


def _check_params(params: Mapping[str, Any], allowed: set[str]) -> dict[str, Any]:
    folded = {k.lower(): v for k, v in params.items()}
    unknown = [k for k in params if k.lower() not in allowed]
    if unknown:
        raise _bad_parameter(
            "Parameter set cannot be resolved using the specified named parameters. Invalid "
            f"cmdlet parameters specified. {', '.join(unknown)}"
        )
    return folded


def _mailbox_user(tenant: SandboxTenant, identity: Any) -> User:
    """A mailbox by UPN, primary address, object id or alias; only users that have one."""
    key = str(identity or "").strip()
    directory = tenant.directory
    user = directory.find_user(key) or next(
        (
            u
            for u in directory.users.values()
            if key.casefold() in ((u.mail or "").casefold(), _alias(u).casefold())
        ),
        None,
    )
    if user is None or not tenant.exchange.has_mailbox(directory, user):
        raise _not_found(key)
    return user


def _alias(user: User) -> str:
    return user.user_principal_name.split("@", 1)[0]


def mailbox_json(tenant: SandboxTenant, user: User) -> dict[str, Any]:
    state = tenant.exchange.state(user.id)
    shared = user.id in tenant.exchange.shared
    forward_to = tenant.directory.users.get(state.forwarding_address or "")
    return {
        "Identity": _alias(user),
        "Name": _alias(user),
        "Alias": _alias(user),
        "DisplayName": user.display_name,
        "UserPrincipalName": user.user_principal_name,
        "PrimarySmtpAddress": user.mail or user.user_principal_name,
        "ExternalDirectoryObjectId": user.id,
        "ExchangeObjectId": user.id,
        "RecipientType": "UserMailbox",
        "RecipientTypeDetails": "SharedMailbox" if shared else "UserMailbox",
        "ForwardingSmtpAddress": state.forwarding_smtp_address,
        "ForwardingAddress": _alias(forward_to) if forward_to else None,
        "DeliverToMailboxAndForward": state.deliver_and_forward,
        "HiddenFromAddressListsEnabled": False,
    }


def _get_mailbox(tenant: SandboxTenant, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    folded = _check_params(params, _MAILBOX_PARAMS)
    if folded.get("identity"):
        return [mailbox_json(tenant, _mailbox_user(tenant, folded["identity"]))]
    directory = tenant.directory
    users = sorted(directory.users.values(), key=lambda u: u.user_principal_name)
    return [mailbox_json(tenant, u) for u in users if tenant.exchange.has_mailbox(directory, u)]


def _set_mailbox(tenant: SandboxTenant, params: Mapping[str, Any]) -> list[str]:
    folded = _check_params(params, _SET_PARAMS)
    if not folded.get("identity"):
        raise _bad_parameter("Cannot bind argument to parameter 'Identity' because it is null.")
    user = _mailbox_user(tenant, folded["identity"])
    before = tenant.exchange.state(user.id)
    after = before
    if "forwardingsmtpaddress" in folded:
        value = folded["forwardingsmtpaddress"]
        address = str(value).strip() if value else ""
        if address and not re.fullmatch(r"(?i)(smtp:)?[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise _bad_parameter(
                f"Cannot process argument transformation on parameter 'ForwardingSmtpAddress'. "
                f'"{address}" is not a valid SMTP address.'
            )
        stored = f"smtp:{address.removeprefix('smtp:').removeprefix('SMTP:')}" if address else None
        after = replace(after, forwarding_smtp_address=stored)
    if "forwardingaddress" in folded:
        value = folded["forwardingaddress"]
        target = _forwarding_recipient(tenant, value) if value else None
        after = replace(after, forwarding_address=target)
    if "delivertomailboxandforward" in folded:
        flag = folded["delivertomailboxandforward"]
        after = replace(after, deliver_and_forward=flag is True or str(flag).lower() == "true")
    if after == before:
        return [
            "The command completed successfully but no settings of "
            f"'{_alias(user)}' have been modified."
        ]
    tenant.exchange.put(user.id, after)
    return []


def _forwarding_recipient(tenant: SandboxTenant, value: Any) -> str:
    key = str(value)
    try:
        return _mailbox_user(tenant, key).id
    except ExchangeError:
        raise _cmdlet_error(
            404,
            "NotFound",
            "Ex9E9CA8",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            f'Couldn\'t find object "{key}". Please make sure that it was spelled correctly or '
            "specify a different object.",
        ) from None


def _recipients(entries: tuple[Recipient, ...]) -> list[str] | None:
    return [f'"{name}" [SMTP:{address}]' for name, address in entries] or None


def _rule_json(user: User, rule: Rule) -> dict[str, Any]:
    return {
        "Name": rule.name,
        "Identity": f"{_alias(user)}\\{rule.number}",
        "RuleIdentity": str(rule.number),
        "MailboxOwnerId": _alias(user),
        "Enabled": rule.enabled,
        "Priority": rule.sequence,
        "ForwardTo": _recipients(rule.forward_to),
        "RedirectTo": _recipients(rule.redirect_to),
        "ForwardAsAttachmentTo": _recipients(rule.forward_as_attachment_to),
        "MoveToFolder": rule.move_to_folder,
        "SubjectContainsWords": list(rule.subject_contains) or None,
        "FromAddressContainsWords": list(rule.sender_contains) or None,
    }


def _get_inbox_rules(tenant: SandboxTenant, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    folded = _check_params(params, _RULE_PARAMS)
    if not folded.get("mailbox"):
        # App-only callers have no mailbox of their own to default to.
        raise _bad_parameter("The Mailbox parameter is required when the caller has no mailbox.")
    user = _mailbox_user(tenant, folded["mailbox"])
    state: MailboxState = tenant.exchange.state(user.id)
    return [_rule_json(user, rule) for rule in state.rules]


def routes() -> list[web.RouteDef]:
    return [web.post("/adminapi/beta/{tenant}/InvokeCommand", invoke_command)]
