"""Get-Mailbox and Set-Mailbox: who a mailbox is, its forwarding, its type (user or shared) and
whether the address lists show it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sandbox.model import User
from sandbox.tenant import SandboxTenant

from .cmdlet import Handler, Output
from .errors import ExchangeError, bad_parameter, check_params, cmdlet_error, flag
from .mailboxes import MailboxState
from .recipients import alias, mailbox_user, user_json

__all__ = ["CMDLETS", "mailbox_json"]

_GET_PARAMS = {"identity", "resultsize", "recipienttypedetails"}
_SET_PARAMS = {
    "identity",
    "forwardingsmtpaddress",
    "forwardingaddress",
    "delivertomailboxandforward",
    "type",
    "hiddenfromaddresslistsenabled",
}
# Set-Mailbox -Type also takes Room and Equipment, which the sandbox does not emulate.
_TYPES = {"regular": False, "shared": True}


def mailbox_json(tenant: SandboxTenant, user: User) -> dict[str, Any]:
    state = tenant.exchange.state(user.id)
    forward_to = tenant.directory.users.get(state.forwarding_address or "")
    return {
        **user_json(tenant, user),
        "UserPrincipalName": user.user_principal_name,
        "ForwardingSmtpAddress": state.forwarding_smtp_address,
        "ForwardingAddress": alias(forward_to) if forward_to else None,
        "DeliverToMailboxAndForward": state.deliver_and_forward,
        "HiddenFromAddressListsEnabled": state.hidden,
    }


def _get_mailbox(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _GET_PARAMS)
    if folded.get("identity"):
        return Output([mailbox_json(tenant, mailbox_user(tenant, folded["identity"]))])
    directory = tenant.directory
    users = sorted(directory.users.values(), key=lambda u: u.user_principal_name)
    return Output(
        [mailbox_json(tenant, u) for u in users if tenant.exchange.has_mailbox(directory, u)]
    )


def _set_mailbox(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _SET_PARAMS, required=("Identity",))
    user = mailbox_user(tenant, folded["identity"])
    before = tenant.exchange.state(user.id)
    after = _forwarding(tenant, folded, before)
    if "hiddenfromaddresslistsenabled" in folded:
        after = replace(after, hidden=flag(folded["hiddenfromaddresslistsenabled"]))
    was_shared = user.id in tenant.exchange.shared
    shared = _shared(folded["type"]) if "type" in folded else was_shared
    if after == before and shared == was_shared:
        return Output(
            warnings=[
                "The command completed successfully but no settings of "
                f"'{alias(user)}' have been modified."
            ]
        )
    tenant.exchange.put(user.id, after)
    if shared:
        tenant.exchange.shared.add(user.id)
    else:
        tenant.exchange.shared.discard(user.id)
    return Output()


def _shared(value: Any) -> bool:
    kind = str(value or "").strip().casefold()
    if kind not in _TYPES:
        raise bad_parameter(
            f"Cannot process argument transformation on parameter 'Type'. \"{value}\" is not "
            "one of the mailbox types the sandbox emulates: Regular, Shared."
        )
    return _TYPES[kind]


def _forwarding(
    tenant: SandboxTenant, folded: Mapping[str, Any], state: MailboxState
) -> MailboxState:
    if "forwardingsmtpaddress" in folded:
        value = folded["forwardingsmtpaddress"]
        address = str(value).strip() if value else ""
        if address and not re.fullmatch(r"(?i)(smtp:)?[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise bad_parameter(
                f"Cannot process argument transformation on parameter 'ForwardingSmtpAddress'. "
                f'"{address}" is not a valid SMTP address.'
            )
        stored = f"smtp:{address.removeprefix('smtp:').removeprefix('SMTP:')}" if address else None
        state = replace(state, forwarding_smtp_address=stored)
    if "forwardingaddress" in folded:
        value = folded["forwardingaddress"]
        target = _forwarding_recipient(tenant, value) if value else None
        state = replace(state, forwarding_address=target)
    if "delivertomailboxandforward" in folded:
        state = replace(state, deliver_and_forward=flag(folded["delivertomailboxandforward"]))
    return state


def _forwarding_recipient(tenant: SandboxTenant, value: Any) -> str:
    key = str(value)
    try:
        return mailbox_user(tenant, key).id
    except ExchangeError:
        raise cmdlet_error(
            404,
            "NotFound",
            "Ex9E9CA8",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            f'Couldn\'t find object "{key}". Please make sure that it was spelled correctly or '
            "specify a different object.",
        ) from None


CMDLETS: dict[str, Handler] = {"get-mailbox": _get_mailbox, "set-mailbox": _set_mailbox}
