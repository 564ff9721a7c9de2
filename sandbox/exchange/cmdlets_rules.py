"""Get-InboxRule, Enable-InboxRule and Disable-InboxRule on one mailbox's inbox rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sandbox.model import User
from sandbox.tenant import SandboxTenant

from .cmdlet import Handler, Output
from .errors import bad_parameter, check_params, not_found
from .mailboxes import Recipient, Rule
from .recipients import alias, mailbox_user

__all__ = ["CMDLETS"]

_GET_PARAMS = {"mailbox", "identity"}
_TOGGLE_PARAMS = {"mailbox", "identity", "alwaysdeleteoutlookrulesblob", "force"}


def _recipients(entries: tuple[Recipient, ...]) -> list[str] | None:
    return [f'"{name}" [SMTP:{address}]' for name, address in entries] or None


def _rule_json(user: User, rule: Rule) -> dict[str, Any]:
    return {
        "Name": rule.name,
        "Identity": f"{alias(user)}\\{rule.number}",
        "RuleIdentity": str(rule.number),
        "MailboxOwnerId": alias(user),
        "Enabled": rule.enabled,
        "Priority": rule.sequence,
        "ForwardTo": _recipients(rule.forward_to),
        "RedirectTo": _recipients(rule.redirect_to),
        "ForwardAsAttachmentTo": _recipients(rule.forward_as_attachment_to),
        "MoveToFolder": rule.move_to_folder,
        "SubjectContainsWords": list(rule.subject_contains) or None,
        "FromAddressContainsWords": list(rule.sender_contains) or None,
    }


def _owner(tenant: SandboxTenant, folded: Mapping[str, Any]) -> User:
    if not folded.get("mailbox"):
        # App-only callers have no mailbox of their own to default to.
        raise bad_parameter("The Mailbox parameter is required when the caller has no mailbox.")
    return mailbox_user(tenant, folded["mailbox"])


def _get_inbox_rules(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
    folded = check_params(params, _GET_PARAMS)
    user = _owner(tenant, folded)
    return Output([_rule_json(user, rule) for rule in tenant.exchange.state(user.id).rules])


def _find_rule(user: User, rules: tuple[Rule, ...], identity: Any) -> Rule:
    """By `alias\\number` (Identity), number (RuleIdentity) or name, as Exchange accepts."""
    key = str(identity or "").strip()
    prefix = f"{alias(user)}\\".casefold()
    number = key[len(prefix) :] if key.casefold().startswith(prefix) else key
    for rule in rules:
        if number == str(rule.number) or key.casefold() == rule.name.casefold():
            return rule
    raise not_found(key)


def _toggle(enabled: bool) -> Handler:
    def run(tenant: SandboxTenant, params: Mapping[str, Any]) -> Output:
        folded = check_params(params, _TOGGLE_PARAMS, required=("Identity",))
        user = _owner(tenant, folded)
        rule = _find_rule(user, tenant.exchange.state(user.id).rules, folded["identity"])
        tenant.exchange.replace_rule(user.id, replace(rule, enabled=enabled))
        return Output()

    return run


CMDLETS: dict[str, Handler] = {
    "get-inboxrule": _get_inbox_rules,
    "enable-inboxrule": _toggle(True),
    "disable-inboxrule": _toggle(False),
}
