"""How Exchange names a tenant's recipients: mailboxes and mail-enabled groups by identity,
alias, address or distinguished name, and the recipient objects Get-Recipient answers."""

from __future__ import annotations

from typing import Any

from sandbox.model import Group, User
from sandbox.tenant import SandboxTenant

from .errors import not_found

__all__ = [
    "alias",
    "directory_user",
    "distinguished_name",
    "group_json",
    "mail_group",
    "mailbox_user",
    "recipient_type",
    "user_json",
]

# The hosted organisation's container, as Exchange Online's DistinguishedNames show it.
_DN_TAIL = "OU=Microsoft Exchange Hosted Organizations,DC=NAMPR04A001,DC=PROD,DC=OUTLOOK,DC=COM"


def alias(user: User) -> str:
    return user.user_principal_name.split("@", 1)[0]


def _organisation(tenant: SandboxTenant) -> str:
    initial = next((d.id for d in tenant.directory.domains if d.is_initial), tenant.domain)
    return f"OU={initial},{_DN_TAIL}"


def distinguished_name(tenant: SandboxTenant, name: str) -> str:
    return f"CN={name},{_organisation(tenant)}"


def mailbox_user(tenant: SandboxTenant, identity: Any) -> User:
    """A mailbox by UPN, primary address, object id, alias, display name or DN; only users
    that have one."""
    user = directory_user(tenant, identity)
    if not tenant.exchange.has_mailbox(tenant.directory, user):
        raise not_found(str(identity or "").strip())
    return user


def directory_user(tenant: SandboxTenant, identity: Any) -> User:
    """A user, mailbox or not (a permission may name one without), by the same names."""
    key = str(identity or "").strip()
    folded = key.casefold()
    directory = tenant.directory
    user = directory.find_user(key) or next(
        (
            u
            for u in directory.users.values()
            if folded
            in (
                (u.mail or "").casefold(),
                alias(u).casefold(),
                u.display_name.casefold(),
                distinguished_name(tenant, alias(u)).casefold(),
            )
        ),
        None,
    )
    if user is None:
        raise not_found(key)
    return user


def recipient_type(group: Group) -> str | None:
    """The RecipientTypeDetails of a group Exchange manages; None for the others (Microsoft 365
    groups are GroupMailbox recipients whose members Graph keeps; plain security groups are no
    recipients at all)."""
    if not group.mail_enabled or "Unified" in group.group_types:
        return None
    return (
        "MailUniversalSecurityGroup"
        if group.security_enabled
        else ("MailUniversalDistributionGroup")
    )


def mail_group(tenant: SandboxTenant, identity: Any) -> Group:
    """A distribution list or mail-enabled security group by alias, address, name, object id
    or DN."""
    key = str(identity or "").strip()
    folded = key.casefold()
    for group in tenant.directory.groups.values():
        names = (
            group.id,
            group.mail_nickname,
            group.mail or "",
            group.display_name,
            distinguished_name(tenant, group.mail_nickname),
        )
        if recipient_type(group) and folded in (n.casefold() for n in names):
            return group
    raise not_found(key)


def user_json(tenant: SandboxTenant, user: User) -> dict[str, Any]:
    shared = user.id in tenant.exchange.shared
    return {
        "Identity": alias(user),
        "Name": alias(user),
        "Alias": alias(user),
        "DisplayName": user.display_name,
        "PrimarySmtpAddress": user.mail or user.user_principal_name,
        "ExternalDirectoryObjectId": user.id,
        "ExchangeObjectId": user.id,
        "DistinguishedName": distinguished_name(tenant, alias(user)),
        "RecipientType": "UserMailbox",
        "RecipientTypeDetails": "SharedMailbox" if shared else "UserMailbox",
    }


def group_json(tenant: SandboxTenant, group: Group) -> dict[str, Any]:
    return {
        "Identity": group.mail_nickname,
        "Name": group.mail_nickname,
        "Alias": group.mail_nickname,
        "DisplayName": group.display_name,
        "PrimarySmtpAddress": group.mail,
        "ExternalDirectoryObjectId": group.id,
        "ExchangeObjectId": group.id,
        "DistinguishedName": distinguished_name(tenant, group.mail_nickname),
        "RecipientType": recipient_type(group),
        "RecipientTypeDetails": recipient_type(group),
    }
