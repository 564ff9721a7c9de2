"""Get-Recipient (by identity, or the groups whose `Members` hold a distinguished name) and
Add-/Remove-DistributionGroupMember on distribution lists and mail-enabled security groups.

Their members are the directory's group members: Graph reads them, Exchange changes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sandbox.model import Group, User
from sandbox.tenant import SandboxTenant

from .cmdlet import Handler, Output
from .errors import ExchangeError, bad_parameter, check_params, flag, refused
from .recipients import group_json, mail_group, mailbox_user, recipient_type, user_json

__all__ = ["CMDLETS"]

_GET_PARAMS = {"identity", "filter", "recipienttypedetails", "recipienttype", "resultsize"}
_MEMBER_PARAMS = {"identity", "member", "bypasssecuritygroupmanagercheck"}
# The one OPATH filter the sandbox understands; a quote inside the value is doubled.
_MEMBERS_FILTER = re.compile(r"(?i)^\s*\(?\s*Members\s+-eq\s+'((?:[^']|'')*)'\s*\)?\s*$")
_TASKS = "Microsoft.Exchange.Management.Tasks"


def _mail_groups(tenant: SandboxTenant) -> list[Group]:
    groups = tenant.directory.groups.values()
    return sorted((g for g in groups if recipient_type(g)), key=lambda g: g.display_name)


def _member_id(tenant: SandboxTenant, dn: str) -> str | None:
    try:
        return mailbox_user(tenant, dn).id
    except ExchangeError:
        return None


def _types(value: Any) -> set[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return {str(item).strip().casefold() for item in items if str(item).strip()}


def _get_recipient(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _GET_PARAMS)
    if folded.get("identity"):
        key = folded["identity"]
        try:
            return Output([user_json(tenant, mailbox_user(tenant, key))])
        except ExchangeError:
            return Output([group_json(tenant, mail_group(tenant, key))])
    values = [
        user_json(tenant, u)
        for u in sorted(tenant.directory.users.values(), key=lambda u: u.user_principal_name)
        if tenant.exchange.has_mailbox(tenant.directory, u)
    ]
    groups = _mail_groups(tenant)
    if folded.get("filter"):
        match = _MEMBERS_FILTER.match(str(folded["filter"]))
        if match is None:
            raise bad_parameter(
                "Cannot bind parameter 'Filter' to the target. Invalid filter syntax (the "
                "sandbox understands only \"Members -eq '<DistinguishedName>'\")."
            )
        member = _member_id(tenant, match.group(1).replace("''", "'"))
        values = []
        groups = [g for g in groups if member in g.member_ids]
    values += [group_json(tenant, g) for g in groups]
    if folded.get("recipienttypedetails"):
        wanted = _types(folded["recipienttypedetails"])
        values = [v for v in values if str(v["RecipientTypeDetails"]).casefold() in wanted]
    return Output(values)


def _membership(tenant: SandboxTenant, params: Mapping[str, Any]) -> tuple[Group, User]:
    folded = check_params(params, _MEMBER_PARAMS, required=("Identity", "Member"))
    group = mail_group(tenant, folded["identity"])
    member = mailbox_user(tenant, folded["member"])
    if not flag(folded.get("bypasssecuritygroupmanagercheck")):
        # The app is no manager (ManagedBy) of any group: only the bypass lets it change one.
        raise refused(
            f"{_TASKS}.OperationRequiresGroupManagerException",
            "You don't have sufficient permissions. This operation can only be performed by "
            "a manager of the group.",
        )
    return group, member


def _add_member(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    group, member = _membership(tenant, params)
    if member.id in group.member_ids:
        raise refused(
            f"{_TASKS}.MemberAlreadyExistsException",
            f'The recipient "{member.user_principal_name}" is already a member of the group '
            f'"{group.display_name}".',
        )
    tenant.directory.groups[group.id] = replace(group, member_ids=group.member_ids | {member.id})
    return Output()


def _remove_member(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    group, member = _membership(tenant, params)
    if member.id not in group.member_ids:
        raise refused(
            f"{_TASKS}.MemberNotFoundException",
            f'The recipient "{member.user_principal_name}" isn\'t a member of the group '
            f'"{group.display_name}".',
        )
    tenant.directory.groups[group.id] = replace(group, member_ids=group.member_ids - {member.id})
    return Output()


CMDLETS: dict[str, Handler] = {
    "get-recipient": _get_recipient,
    "add-distributiongroupmember": _add_member,
    "remove-distributiongroupmember": _remove_member,
}
