"""What an offboarding job reads about a leaver before it changes anything.

Each helper costs as few round trips as it can: `user_memberships` is one `$batch` (memberOf and
ownedObjects) plus one `$batch` of the owned groups' owners (chunks of 20 go out at once, under
the Graph client's concurrency bound); `license_states` one `$batch` (the user and the tenant's
subscriptions) plus one for the names of licensing groups, when there are any. Authentication
methods are `auth_methods.read_methods`, re-exported here.

Sources: user-list-memberof.md, user-list-ownedobjects.md, group-list-owners.md (owners of
groups made in Exchange or synced from AD are not listed), user-get.md (licenseAssignmentStates:
`assignedByGroup` null for a direct assignment), user-list-manager.md (404 without a manager),
drive-get.md (404 when the user has no OneDrive).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from commands.kit.context import CommandContext
from core.errors import RemoteNotFound
from integrations.graph.batch import BatchRequest

from .auth_methods import read_methods as auth_methods
from .license_lookup import holding_of

__all__ = [
    "LicenseState",
    "Membership",
    "MembershipKind",
    "Person",
    "auth_methods",
    "license_states",
    "manager_of",
    "onedrive_url",
    "user_memberships",
]

MembershipKind = Literal["m365", "security", "distribution", "mail-security", "team"]

_GROUP_FIELDS = (
    "id",
    "displayName",
    "groupTypes",
    "mailEnabled",
    "securityEnabled",
    "onPremisesSyncEnabled",
    "membershipRule",
    "resourceProvisioningOptions",
)
_GROUP_TYPE = "#microsoft.graph.group"
_PAGE = {"$top": "999"}
_PERSON_FIELDS = ("id", "displayName", "userPrincipalName", "mail")


@dataclass(frozen=True)
class Membership:
    """A group the user belongs to or owns. `other_owner_count` counts the owners besides the
    user (0 where Graph lists no owners: groups made in Exchange or synced)."""

    id: str
    display_name: str
    kind: MembershipKind
    dynamic: bool
    synced: bool
    is_member: bool
    is_owner: bool
    other_owner_count: int = 0


@dataclass(frozen=True)
class LicenseState:
    sku_id: str
    part_number: str
    name: str
    direct: bool
    via_groups: tuple[str, ...]
    """Display names of the groups the licence comes through (their ids when unreadable)."""


@dataclass(frozen=True)
class Person:
    id: str
    display_name: str
    upn: str
    mail: str

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.upn})"


def _kind(group: Mapping[str, Any]) -> MembershipKind:
    if "Unified" in (group.get("groupTypes") or ()):
        return "team" if "Team" in (group.get("resourceProvisioningOptions") or ()) else "m365"
    if group.get("mailEnabled"):
        return "mail-security" if group.get("securityEnabled") else "distribution"
    return "security"


async def _groups(ctx: CommandContext, first: Mapping[str, Any], path: str) -> list[dict[str, Any]]:
    """The groups of a directoryObject collection; the rest of the pages when there are more."""
    if "@odata.nextLink" in first:
        items = [i async for i in ctx.graph.pages(path, select=_GROUP_FIELDS, params=_PAGE)]
    else:
        items = list(first.get("value") or ())
    return [i for i in items if isinstance(i, dict) and i.get("@odata.type") == _GROUP_TYPE]


async def user_memberships(ctx: CommandContext, user_id: str) -> list[Membership]:
    """The user's direct groups and the groups they own, by display name."""
    paths = {"memberOf": f"/users/{user_id}/memberOf", "owned": f"/users/{user_id}/ownedObjects"}
    reads = [BatchRequest.get(k, p, select=_GROUP_FIELDS, params=_PAGE) for k, p in paths.items()]
    results = await ctx.graph.batch(reads)
    member = await _groups(ctx, results["memberOf"].unwrap(), paths["memberOf"])
    owned = await _groups(ctx, results["owned"].unwrap(), paths["owned"])
    owners = await ctx.graph.batch(
        [BatchRequest.get(g["id"], f"/groups/{g['id']}/owners", select=("id",)) for g in owned]
    )
    others = {
        key: sum(1 for o in result.unwrap().get("value") or () if o.get("id") != user_id)
        for key, result in owners.items()
    }
    groups = {str(g["id"]): g for g in (*member, *owned)}
    member_ids = {str(g["id"]) for g in member}
    return sorted(
        (
            Membership(
                id=group_id,
                display_name=str(group.get("displayName") or group_id),
                kind=_kind(group),
                dynamic="DynamicMembership" in (group.get("groupTypes") or ()),
                synced=bool(group.get("onPremisesSyncEnabled")),
                is_member=group_id in member_ids,
                is_owner=group_id in others,
                other_owner_count=others.get(group_id, 0),
            )
            for group_id, group in groups.items()
        ),
        key=lambda m: m.display_name.casefold(),
    )


async def license_states(ctx: CommandContext, user_id: str) -> list[LicenseState]:
    """Each licence the user holds, directly and/or through groups."""
    results = await ctx.graph.batch(
        [
            BatchRequest.get(
                "user", f"/users/{user_id}", select=("assignedLicenses", "licenseAssignmentStates")
            ),
            BatchRequest.get("skus", "/subscribedSkus", select=("skuId", "skuPartNumber")),
        ]
    )
    user = results["user"].unwrap()
    parts = {
        str(s.get("skuId") or "").lower(): str(s.get("skuPartNumber") or "")
        for s in results["skus"].unwrap().get("value") or ()
    }
    sku_ids = dict.fromkeys(
        str(a.get("skuId") or "").lower() for a in user.get("assignedLicenses") or ()
    )
    holdings = {sku: holding_of(user, sku) for sku in sku_ids}
    names = await _group_names(ctx, {g for h in holdings.values() for g in h.group_ids})
    return [
        LicenseState(
            sku_id=sku,
            part_number=parts.get(sku, ""),
            name=ctx.products.name(sku, parts.get(sku, "")),
            direct=holding.direct,
            via_groups=tuple(names.get(g, g) for g in holding.group_ids),
        )
        for sku, holding in holdings.items()
    ]


async def _group_names(ctx: CommandContext, group_ids: Collection[str]) -> dict[str, str]:
    """Display names by group id, in one `$batch`; an unreadable group keeps its id."""
    if not group_ids:
        return {}
    reads = [BatchRequest.get(g, f"/groups/{g}", select=("displayName",)) for g in group_ids]
    results = await ctx.graph.batch(reads)
    return {
        key: str(result.body.get("displayName") or key)
        for key, result in results.items()
        if result.ok
    }


async def manager_of(ctx: CommandContext, user_id: str) -> Person | None:
    """The user's manager, or None when they have none (Graph answers 404)."""
    try:
        body = await ctx.graph.get(f"/users/{user_id}/manager", select=_PERSON_FIELDS)
    except RemoteNotFound:
        return None
    return Person(
        id=str(body.get("id") or ""),
        display_name=str(body.get("displayName") or ""),
        upn=str(body.get("userPrincipalName") or ""),
        mail=str(body.get("mail") or ""),
    )


async def onedrive_url(ctx: CommandContext, user_id: str) -> str | None:
    """The URL of the user's OneDrive site (`https://contoso-my.sharepoint.com/personal/x`),
    which SharePoint's admin API takes; None when the user has no OneDrive (404)."""
    try:
        body = await ctx.graph.get(f"/users/{user_id}/drive", select=("webUrl",))
    except RemoteNotFound:
        return None
    # The drive's webUrl is its library (`.../personal/x/Documents`); the site is two levels up
    # from the host, as every OneDrive's URL is.
    parts = urlsplit(str(body.get("webUrl") or ""))
    site = "/".join(parts.path.split("/")[:3])
    return f"{parts.scheme}://{parts.netloc}{site}" if parts.netloc else None
