"""Finding a group, and which groups Microsoft Graph can change the members of.

A group is named by object id, e-mail address, mail nickname or display name; a destructive
command never guesses, so several matches give a list. Graph manages the members of security
groups and Microsoft 365 groups only: mail-enabled security groups and distribution lists are
Exchange's, dynamic groups follow their rule, and groups synced from on-premises AD are changed
there. Role-assignable groups grant a directory role to their members, so changing them needs
RoleManagement.ReadWrite.Directory as well (group-post-members.md) and an admin's approval.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from commands.kit.context import CommandContext
from commands.kit.formatting import first_few
from core.errors import NotFound, RemoteNotFound, UserError
from integrations.graph import Filter, any_of, eq, startswith

__all__ = [
    "GROUP_FIELDS",
    "ROLE_GROUP_PERMISSION",
    "Group",
    "direct_groups",
    "find_group",
    "member_reference",
]

GROUP_FIELDS = (
    "id",
    "displayName",
    "mail",
    "mailNickname",
    "mailEnabled",
    "securityEnabled",
    "groupTypes",
    "onPremisesSyncEnabled",
    "isAssignableToRole",
)
ROLE_GROUP_PERMISSION = "RoleManagement.ReadWrite.Directory"
_GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", re.IGNORECASE)
_LISTED = 5
_SEARCHED = 10
_GROUP_TYPE = "#microsoft.graph.group"


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    mail: str
    mail_enabled: bool
    security_enabled: bool
    group_types: tuple[str, ...]
    synced: bool
    role_assignable: bool

    @classmethod
    def from_graph(cls, body: Mapping[str, Any]) -> Group:
        return cls(
            id=str(body.get("id") or ""),
            name=str(body.get("displayName") or body.get("mail") or body.get("id") or ""),
            mail=str(body.get("mail") or ""),
            mail_enabled=body.get("mailEnabled") is True,
            security_enabled=body.get("securityEnabled") is True,
            group_types=tuple(str(t) for t in body.get("groupTypes") or ()),
            synced=body.get("onPremisesSyncEnabled") is True,
            role_assignable=body.get("isAssignableToRole") is True,
        )

    @property
    def label(self) -> str:
        """ "SG-Finance" or "IT Helpdesk (ithelpdesk@contoso.com)"."""
        return f"{self.name} ({self.mail})" if self.mail else self.name

    @property
    def unified(self) -> bool:
        return "Unified" in self.group_types

    @property
    def dynamic(self) -> bool:
        return "DynamicMembership" in self.group_types

    @property
    def kind(self) -> str:
        if self.unified:
            return "Microsoft 365 group"
        if self.mail_enabled:
            return "mail-enabled security group" if self.security_enabled else "distribution list"
        return "security group"

    def unmanageable(self) -> str:
        """Why Graph cannot change this group's members, as the technician's next step; ""
        when it can."""
        if self.synced:
            return (
                f"{self.label} is synced from on-premises Active Directory, so its members are "
                "managed there: change the membership in on-premises AD (Active Directory Users "
                "and Computers), and Microsoft 365 follows at the next sync."
            )
        if self.dynamic:
            return (
                f"{self.label} has dynamic membership: Microsoft Entra adds and removes its "
                "members by its membership rule. Change the user's properties the rule reads "
                "(department, job title ...) or the rule itself in the Microsoft Entra admin "
                "center."
            )
        if self.mail_enabled and not self.unified:
            return (
                f"{self.label} is a {self.kind}, whose members Microsoft Graph cannot change: "
                "they are managed in Exchange Online. Use the Exchange admin center (Recipients > "
                "Groups) or Add-DistributionGroupMember / Remove-DistributionGroupMember."
            )
        return ""

    @property
    def role_note(self) -> str:
        return (
            f"{self.label} is role-assignable: its members hold its directory roles. Changing "
            f"its members needs {ROLE_GROUP_PERMISSION} for the app as well, and Microsoft names "
            "Privileged Role Administrator as the least privileged role for it."
        )


async def find_group(ctx: CommandContext, query: str) -> Group:
    """The one group `query` names: object id, e-mail address, nickname or display name."""
    text = query.strip()
    tenant = ctx.current_tenant.display_name
    if not text:
        raise UserError("Name the group: its display name, e-mail address or object id.")
    if _GUID.match(text):
        try:
            return Group.from_graph(await ctx.graph.get(f"/groups/{text}", select=GROUP_FIELDS))
        except RemoteNotFound:
            raise NotFound(f"No group in {tenant} has the object id {text}.") from None
    exact = any_of(eq("displayName", text), eq("mail", text), eq("mailNickname", text))
    found = await _groups(ctx, exact)
    if not found:
        found = await _groups(ctx, startswith("displayName", text))
    if not found:
        raise NotFound(
            f"No group in {tenant} matches {text!r}. Use its display name, e-mail address or "
            "object id (the Microsoft Entra admin center lists them under Groups)."
        )
    if len(found) > 1:
        count = f"More than {_SEARCHED}" if len(found) > _SEARCHED else str(len(found))
        labels = [group.label for group in found]
        raise UserError(
            f"{count} groups in {tenant} match {text!r}: {first_few(labels, _LISTED)}. Run the "
            "command again with the group's e-mail address or object id."
        )
    return found[0]


async def _groups(ctx: CommandContext, asked: Filter) -> list[Group]:
    """The groups matching `asked`, checked again here: a row Graph returned that does not
    match is not the group the technician named."""
    page = await ctx.graph.get(
        "/groups",
        select=GROUP_FIELDS,
        params={"$filter": str(asked), "$top": str(_SEARCHED + 1)},
    )
    return [Group.from_graph(item) for item in page.get("value") or () if asked.matches(item)]


async def direct_groups(ctx: CommandContext, user_id: str) -> list[Group]:
    """The groups the user is a direct member of (memberOf, every page), by name."""
    items = ctx.graph.pages(
        f"/users/{user_id}/memberOf", select=GROUP_FIELDS, params={"$top": "999"}
    )
    groups = [
        Group.from_graph(item) async for item in items if item.get("@odata.type") == _GROUP_TYPE
    ]
    return sorted(groups, key=lambda group: group.name.lower())


def member_reference(ctx: CommandContext, object_id: str) -> dict[str, str]:
    """The `@odata.id` body of a `$ref` write, on the tenant's own Graph host."""
    host = ctx.graph.tokens.endpoints.graph_host
    return {"@odata.id": f"{host}/v1.0/directoryObjects/{object_id}"}
