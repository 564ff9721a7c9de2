"""What /offboard reads of a leaver before anything changes: the snapshot its plan rests on.

Read at the same time: the user's licences (`licenseAssignmentStates`: direct or through a
group), direct groups (`memberOf`) and the groups they own (`ownedObjects`) with each one's
other owners, their manager, authentication methods, inbox rules (Graph), and from Exchange
the mailbox (type, hidden flag, forwarding), its mobile devices and its calendar's
permissions. A part is read only when a chosen toggle acts on it. The snapshot is kept in the
plan as one JSON string with sorted keys, so an unchanged user gives the same text and the
job engine's check before running compares like with like; undo puts back from it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from commands.kit.context import CommandContext
from commands.queries.auth_methods import read_methods
from commands.queries.group_rules import GROUP_FIELDS, Group, direct_groups
from commands.queries.license_lookup import USER_LICENSE_FIELDS, subscribed_licenses
from commands.queries.mailboxes import is_mailbox_missing
from commands.queries.targets import Target
from core.errors import RemoteNotFound

__all__ = [
    "CALENDAR_SKIPPED",
    "GroupFacts",
    "LicenceFacts",
    "Person",
    "Snapshot",
    "calendar_folder",
    "read_snapshot",
]

CALENDAR_SKIPPED = frozenset({"Default", "Anonymous"})
"""Calendar permission entries every mailbox has: never a delegate."""
_GROUP_TYPE = "#microsoft.graph.group"
_PERSON_FIELDS = ("id", "displayName", "userPrincipalName")


@dataclass(frozen=True)
class Person:
    id: str
    upn: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.upn})"


@dataclass(frozen=True)
class GroupFacts:
    id: str
    name: str
    kind: str
    """As Group.kind says it: "Microsoft 365 group", "distribution list" …"""
    via: str
    """Who removes the membership: "graph", "exchange", or "" when nobody here can."""
    why: str = ""
    """Why it cannot be removed here (dynamic, synced), when `via` is ""."""
    member: bool = True
    owner: bool = False
    other_owners: tuple[str, ...] = ()
    mail: str = ""


@dataclass(frozen=True)
class LicenceFacts:
    sku_id: str
    name: str
    direct: bool
    group_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    enabled: bool
    synced: bool
    password_changed: str
    sessions_valid_from: str
    licences: tuple[LicenceFacts, ...] = ()
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
    """Graph ids of the inbox rules that are on."""
    calendar_delegates: tuple[tuple[str, str], ...] = ()
    """(user, access rights joined by ","), as Get-MailboxFolderPermission lists them."""

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
                    LicenceFacts(**{**item, "group_ids": tuple(item["group_ids"])})
                    for item in data["licences"]
                ),
                "groups": tuple(
                    GroupFacts(**{**item, "other_owners": tuple(item["other_owners"])})
                    for item in data["groups"]
                ),
                "enabled_rules": tuple(data["enabled_rules"]),
                "calendar_delegates": tuple(
                    (str(user), str(rights)) for user, rights in data["calendar_delegates"]
                ),
            },
            manager=Person(**manager) if manager else None,
        )


async def read_snapshot(
    ctx: CommandContext, target: Target, *, mailbox: bool, devices: bool, calendar: bool
) -> Snapshot:
    """The leaver as Microsoft 365 has them now; `mailbox`, `devices`, `calendar` say which
    Exchange parts the chosen toggles need."""
    user, licences, groups, manager, methods, exchange = await asyncio.gather(
        ctx.graph.get(
            f"/users/{target.id}",
            select=(*USER_LICENSE_FIELDS, "signInSessionsValidFromDateTime"),
        ),
        subscribed_licenses(ctx),
        _groups(ctx, target.id),
        _manager(ctx, target.id),
        read_methods(ctx, target.id),
        _exchange(ctx, target, mailbox=mailbox, devices=devices, calendar=calendar),
    )
    names = {lic.sku.sku_id: lic.label for lic in licences}
    return Snapshot(
        enabled=target.enabled,
        synced=target.synced,
        password_changed=target.password_changed,
        sessions_valid_from=str(user.get("signInSessionsValidFromDateTime") or ""),
        licences=_licences(user, names),
        groups=groups,
        manager=manager,
        methods=len([m for m in methods if m.collection]),
        **exchange,
    )


def _licences(user: Mapping[str, Any], names: Mapping[str, str]) -> tuple[LicenceFacts, ...]:
    held: dict[str, tuple[bool, list[str]]] = {}
    for assigned in user.get("assignedLicenses") or ():
        held.setdefault(str(assigned.get("skuId") or "").lower(), (False, []))
    for state in user.get("licenseAssignmentStates") or ():
        sku = str(state.get("skuId") or "").lower()
        direct, groups = held.get(sku, (False, []))
        group = state.get("assignedByGroup")
        held[sku] = (direct or not group, [*groups, str(group)] if group else groups)
    states = {str(s.get("skuId") or "").lower() for s in user.get("licenseAssignmentStates") or ()}
    return tuple(
        LicenceFacts(
            sku_id=sku,
            name=names.get(sku, sku),
            # Without assignment states, an assigned licence counts as direct.
            direct=direct or sku not in states,
            group_ids=tuple(sorted(groups)),
        )
        for sku, (direct, groups) in sorted(held.items(), key=lambda item: names.get(item[0], ""))
    )


async def _groups(ctx: CommandContext, user_id: str) -> tuple[GroupFacts, ...]:
    member_of, owned = await asyncio.gather(direct_groups(ctx, user_id), _owned(ctx, user_id))
    members = {group.id for group in member_of}
    every = {group.id: group for group in (*member_of, *owned)}
    others = await asyncio.gather(*(_other_owners(ctx, group.id, user_id) for group in owned))
    owners = {group.id: names for group, names in zip(owned, others, strict=True)}
    facts = [
        _facts(group, member=group.id in members, owners=owners.get(group.id))
        for group in every.values()
    ]
    return tuple(sorted(facts, key=lambda g: (g.name.lower(), g.id)))


def _facts(group: Group, *, member: bool, owners: tuple[str, ...] | None) -> GroupFacts:
    why = ""
    if group.synced or group.dynamic:
        why = group.unmanageable()
    via = "" if why else "exchange" if group.mail_enabled and not group.unified else "graph"
    return GroupFacts(
        id=group.id,
        name=group.name,
        kind=group.kind,
        via=via,
        why=why,
        member=member,
        owner=owners is not None,
        other_owners=owners or (),
        mail=group.mail,
    )


async def _owned(ctx: CommandContext, user_id: str) -> list[Group]:
    items = ctx.graph.pages(
        f"/users/{user_id}/ownedObjects", select=GROUP_FIELDS, params={"$top": "999"}
    )
    return [
        Group.from_graph(item) async for item in items if item.get("@odata.type") == _GROUP_TYPE
    ]


async def _other_owners(ctx: CommandContext, group_id: str, user_id: str) -> tuple[str, ...]:
    items = ctx.graph.pages(f"/groups/{group_id}/owners", select=_PERSON_FIELDS)
    names = [
        str(item.get("displayName") or item.get("userPrincipalName") or item.get("id"))
        async for item in items
        if item.get("id") != user_id
    ]
    return tuple(sorted(names))


async def _manager(ctx: CommandContext, user_id: str) -> Person | None:
    try:
        body = await ctx.graph.get(f"/users/{user_id}/manager", select=_PERSON_FIELDS)
    except RemoteNotFound:
        return None
    return Person(
        id=str(body.get("id") or ""),
        upn=str(body.get("userPrincipalName") or ""),
        name=str(body.get("displayName") or body.get("userPrincipalName") or ""),
    )


async def _exchange(
    ctx: CommandContext, target: Target, *, mailbox: bool, devices: bool, calendar: bool
) -> dict[str, Any]:
    """The mailbox's facts, or {} when the toggles need none or the user has no mailbox."""
    if not (mailbox or devices or calendar):
        return {}
    try:
        box = (
            await ctx.exchange.invoke("Get-Mailbox", {"Identity": target.upn}, anchor=target.upn)
        ).values
    except RemoteNotFound as error:
        if is_mailbox_missing(error):
            return {}
        raise
    facts = box[0] if box else {}
    reads: list[Awaitable[Any]] = [
        _device_count(ctx, target) if devices else _nothing(0),
        calendar_permissions(ctx, target.upn) if calendar else _nothing(()),
        _enabled_rules(ctx, target.id),
    ]
    count, delegates, rules = await asyncio.gather(*reads)
    return {
        "mailbox_type": str(facts.get("RecipientTypeDetails") or "UserMailbox"),
        "hidden": facts.get("HiddenFromAddressListsEnabled") is True,
        "forwarding_smtp": str(facts.get("ForwardingSmtpAddress") or ""),
        "forwarding_address": str(facts.get("ForwardingAddress") or ""),
        "deliver_and_forward": facts.get("DeliverToMailboxAndForward") is True,
        "devices": count,
        "calendar_delegates": delegates,
        "enabled_rules": rules,
    }


async def _nothing(value: Any) -> Any:
    return value


async def _device_count(ctx: CommandContext, target: Target) -> int:
    found = await ctx.exchange.invoke(
        "Get-MobileDevice", {"Mailbox": target.upn}, anchor=target.upn
    )
    return len(found.values)


async def _enabled_rules(ctx: CommandContext, user_id: str) -> tuple[str, ...]:
    path = f"/users/{user_id}/mailFolders/inbox/messageRules"
    rules = [rule async for rule in ctx.graph.pages(path, select=())]
    return tuple(sorted(str(r.get("id")) for r in rules if r.get("isEnabled") is True))


async def calendar_folder(ctx: CommandContext, upn: str) -> str:
    """`upn:\\<name>` of the calendar folder: its name is localised (Kalender, Calendrier), so
    it is found by type with `Get-MailboxFolderStatistics -FolderScope Calendar`."""
    found = await ctx.exchange.invoke(
        "Get-MailboxFolderStatistics", {"Identity": upn, "FolderScope": "Calendar"}, anchor=upn
    )
    default = next(
        (f for f in found.values if str(f.get("FolderType") or "") == "Calendar"),
        found.values[0] if found.values else {"Name": "Calendar"},
    )
    return f"{upn}:\\{default.get('Name') or 'Calendar'}"


async def calendar_permissions(ctx: CommandContext, upn: str) -> tuple[tuple[str, str], ...]:
    """Who has access to the calendar besides Default and Anonymous: (user, rights)."""
    folder = await calendar_folder(ctx, upn)
    found = await ctx.exchange.invoke(
        "Get-MailboxFolderPermission", {"Identity": folder}, anchor=upn
    )
    entries = []
    for entry in found.values:
        user = entry.get("User")
        name = str(user.get("DisplayName") if isinstance(user, dict) else user or "")
        if not name or name in CALENDAR_SKIPPED:
            continue
        rights = entry.get("AccessRights") or ()
        rights = [rights] if isinstance(rights, str) else list(rights)
        entries.append((name, ",".join(str(r) for r in rights)))
    return tuple(sorted(entries))
