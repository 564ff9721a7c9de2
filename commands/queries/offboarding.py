"""What /offboard reads of a leaver before anything changes: the snapshot its plan rests on.

The Graph parts come from the leaver reads (`commands/queries/leaver.py`): licences (direct or
through a group), direct and owned groups with how many others own each, the manager, the
authentication methods and the OneDrive's address. Exchange's parts come from its typed client:
the mailbox (type, hidden flag, forwarding), its inbox rules, mobile devices and the calendar's
delegates. A part is read only when a chosen toggle acts on it. The snapshot is kept in the
plan as one JSON string with sorted keys, so an unchanged user gives the same text and the job
engine's check before running compares like with like; the steps work from it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from typing import Any

from commands.kit.context import CommandContext
from commands.queries.group_rules import Group
from commands.queries.leaver import (
    LicenseState,
    Membership,
    Person,
    auth_methods,
    license_states,
    manager_of,
    onedrive_url,
    user_memberships,
)
from commands.queries.mailboxes import is_mailbox_missing
from commands.queries.targets import Target
from core.errors import RemoteNotFound

__all__ = ["GroupFacts", "Snapshot", "read_snapshot"]

_EXCHANGE_KINDS = frozenset({"distribution", "mail-security"})
"""Membership kinds whose members only Exchange's cmdlets change."""


@dataclass(frozen=True)
class GroupFacts:
    id: str
    name: str
    kind: str
    """As `Membership.kind` says it: m365, team, security, distribution, mail-security."""
    via: str
    """Who removes the membership: "graph", "exchange", or "" when nobody here can."""
    why: str = ""
    """Why it cannot be removed here (dynamic, synced), when `via` is ""."""
    member: bool = True
    owner: bool = False
    other_owners: int = 0

    @classmethod
    def of(cls, membership: Membership) -> GroupFacts:
        why = _unmanageable(membership)
        exchange = membership.kind in _EXCHANGE_KINDS
        return cls(
            id=membership.id,
            name=membership.display_name,
            kind=membership.kind,
            via="" if why else "exchange" if exchange else "graph",
            why=why,
            member=membership.is_member,
            owner=membership.is_owner,
            other_owners=membership.other_owner_count,
        )


def _unmanageable(membership: Membership) -> str:
    """Group.unmanageable's words for a synced or dynamic group; "" for any other."""
    if not (membership.synced or membership.dynamic):
        return ""
    unified = membership.kind in ("m365", "team")
    group = Group(
        id=membership.id,
        name=membership.display_name,
        mail="",
        mail_enabled=unified or membership.kind in _EXCHANGE_KINDS,
        security_enabled=membership.kind in ("security", "mail-security"),
        group_types=(
            *(("Unified",) if unified else ()),
            *(("DynamicMembership",) if membership.dynamic else ()),
        ),
        synced=membership.synced,
        role_assignable=False,
    )
    return group.unmanageable()


@dataclass(frozen=True)
class Snapshot:
    enabled: bool
    synced: bool
    password_changed: str
    sessions_valid_from: str
    licences: tuple[LicenseState, ...] = ()
    groups: tuple[GroupFacts, ...] = ()
    manager: Person | None = None
    mailbox_type: str = ""
    """Exchange's RecipientTypeDetails (UserMailbox, SharedMailbox); "" without a mailbox."""
    hidden: bool = False
    forwarding_smtp: str = ""
    forwarding_address: str = ""
    deliver_and_forward: bool = False
    methods: int = 0
    devices: int = 0
    enabled_rules: tuple[str, ...] = ()
    """Exchange identities (Get-InboxRule's Identity) of the inbox rules that are on."""
    calendar_delegates: tuple[tuple[str, str], ...] = ()
    """(user, access rights joined by ","), as Get-MailboxFolderPermission lists them."""
    onedrive: str = ""
    """The OneDrive's site URL, when the OneDrive is to be handed over and there is one."""

    @property
    def has_mailbox(self) -> bool:
        return bool(self.mailbox_type)

    @property
    def shared(self) -> bool:
        return self.mailbox_type == "SharedMailbox"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        data = json.loads(text)
        manager = data.pop("manager", None)
        return cls(
            **{
                **data,
                "licences": tuple(
                    LicenseState(**{**item, "via_groups": tuple(item["via_groups"])})
                    for item in data["licences"]
                ),
                "groups": tuple(GroupFacts(**item) for item in data["groups"]),
                "enabled_rules": tuple(data["enabled_rules"]),
                "calendar_delegates": tuple(
                    (str(user), str(rights)) for user, rights in data["calendar_delegates"]
                ),
            },
            manager=Person(**manager) if manager else None,
        )


async def read_snapshot(
    ctx: CommandContext,
    target: Target,
    *,
    mailbox: bool,
    devices: bool,
    calendar: bool,
    onedrive: bool = False,
) -> Snapshot:
    """The leaver as Microsoft 365 has them now; `mailbox`, `devices`, `calendar` say which
    Exchange parts the chosen toggles need, `onedrive` whether the OneDrive's URL is."""
    user, licences, groups, manager, methods, site, exchange = await asyncio.gather(
        ctx.graph.get(f"/users/{target.id}", select=("signInSessionsValidFromDateTime",)),
        license_states(ctx, target.id),
        user_memberships(ctx, target.id),
        manager_of(ctx, target.id),
        auth_methods(ctx, target.id),
        onedrive_url(ctx, target.id) if onedrive else _nothing(None),
        _exchange(ctx, target, mailbox=mailbox, devices=devices, calendar=calendar),
    )
    return Snapshot(
        enabled=target.enabled,
        synced=target.synced,
        password_changed=target.password_changed,
        sessions_valid_from=str(user.get("signInSessionsValidFromDateTime") or ""),
        licences=tuple(sorted(licences, key=lambda lic: (lic.name, lic.sku_id))),
        groups=tuple(sorted(map(GroupFacts.of, groups), key=lambda g: (g.name.lower(), g.id))),
        manager=manager,
        methods=len([m for m in methods if m.collection]),
        onedrive=site or "",
        **exchange,
    )


async def _exchange(
    ctx: CommandContext, target: Target, *, mailbox: bool, devices: bool, calendar: bool
) -> dict[str, Any]:
    """The mailbox's facts, or {} when the toggles need none or the user has no mailbox."""
    if not (mailbox or devices or calendar):
        return {}
    exchange, upn = ctx.exchange, target.upn
    try:
        box = await exchange.get_mailbox(upn)
    except RemoteNotFound as error:
        if is_mailbox_missing(error):
            return {}
        raise
    reads: list[Awaitable[Any]] = [
        exchange.mobile_devices(upn) if devices else _nothing(()),
        exchange.calendar_permissions(upn) if calendar else _nothing(()),
        exchange.inbox_rules(upn),
    ]
    phones, delegates, rules = await asyncio.gather(*reads)
    return {
        "mailbox_type": box.recipient_type_details or "UserMailbox",
        "hidden": box.hidden_from_address_lists_enabled,
        "forwarding_smtp": box.forwarding_smtp_address or "",
        "forwarding_address": box.forwarding_address or "",
        "deliver_and_forward": box.deliver_to_mailbox_and_forward,
        "devices": len(phones),
        "calendar_delegates": tuple(sorted((d.user, ",".join(d.access_rights)) for d in delegates)),
        "enabled_rules": tuple(sorted(r.identity for r in rules if r.enabled)),
    }


async def _nothing(value: Any) -> Any:
    return value
